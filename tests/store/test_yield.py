"""What a campaign's finds cost, as ``fuel status --json`` reports it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuel.cli.main import main
from fuel.judge.verdict import Outcome, Verdict
from fuel.store import CampaignStore
from fuel.store.records import WorkerSeconds
from tests.store.test_store import ENV, add, crash


def test_status_json_reports_worker_seconds_per_new_line_and_per_new_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "c"
    with CampaignStore.create(out, {"seed": 3}, ENV) as store:
        store.start_run([])
        assert store.summary().to_dict()["worker_seconds_per_new_line"] is None  # nothing yet
        add(store, 1, Verdict(Outcome.PASS), {"torch/_inductor/lowering.py": (1, 2, 3)})
        add(store, 2, crash("one"), {"torch/fx/graph.py": (7,)})
        add(store, 3, crash("two"))
        store.set_worker_seconds(WorkerSeconds(fuzzing=80.0, reducing=30.0, confirming=10.0))
        store.finish_run("round limit")
    assert main(["status", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["covered_lines"] == 4 and data["bugs_unique"] == 2
    assert data["worker_seconds_per_new_line"] == pytest.approx(80.0 / 4)
    assert data["worker_seconds_per_new_class"] == pytest.approx((80.0 + 30.0 + 10.0) / 2)
    assert {key: data["root_causes"][key] for key in ("new", "known", "seen")} == {
        "new": 2, "known": 0, "seen": 0}  # fmt: skip
