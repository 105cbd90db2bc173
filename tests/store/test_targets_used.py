"""Each test's settings name its target; ``fuel status --json`` counts tests per target,
and what export's trace refused: by design, or as a lead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuel.cli.main import main
from fuel.execute.options import CompileSetting
from fuel.execute.records import CoverageDelta
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.program.record import Program
from fuel.store import CampaignStore, Environment, NewTest

ENV = Environment("2.15.0", "3.11.7", "0.1.0", "Test CPU", "Linux")
EXPORT, AOTI = CompileSetting("target", "export"), CompileSetting("target", "aoti")
TESTS = (
    ((), Verdict(Outcome.PASS)),
    ((), Verdict(Outcome.PASS)),
    ((EXPORT,), Verdict(Outcome.PASS)),
    ((EXPORT, CompileSetting("dynamic", True)), Verdict(Outcome.INVALID, Kind.TARGET_REFUSED)),
    ((EXPORT,), Verdict(Outcome.SKIPPED, Kind.TARGET_REFUSED, detail="export lead: ...")),
    ((AOTI,), Verdict(Outcome.INVALID)),  # eager itself raised: not a refusal
)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    with CampaignStore.create(tmp_path / "c", {"generator": "builtin"}, ENV) as store:
        store.start_run(["fuel", "fuzz"])
        for n, (settings, verdict) in enumerate(TESTS):
            program = Program(f"# program {n}\n", f"p{n}", n, ("add",), "builtin")
            novelty = store.novelty(verdict, CoverageDelta(()))
            store.record(NewTest(program, verdict, novelty, settings=settings))
    return tmp_path / "c"


def test_status_counts_tests_refusals_and_leads_per_target(
    out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["targets_used"] == {
        "aoti": {"tests": 1, "refused": 0, "leads": 0},
        "compile": {"tests": 2, "refused": 0, "leads": 0},
        "export": {"tests": 3, "refused": 1, "leads": 1},
    }
    assert main(["status", str(out)]) == 0
    assert "targets        aoti 1 · compile 2 · export 3 (trace refused 2: 1 lead(s))" in (
        capsys.readouterr().out)  # fmt: skip
