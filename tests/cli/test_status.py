"""``fuel status OUT``: the summary of a campaign, finished or running, from its database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fuel.campaign import session
from fuel.cli import fuzz as fuzz_command
from fuel.cli.main import main
from fuel.store import CampaignStore, Environment
from tests.campaign.toy import FakePool, register_toys

ROOT = Path(__file__).parents[2]


@pytest.fixture
def finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, str]:
    """A finished toy campaign, and what ``fuel fuzz -q`` printed."""
    register_toys()
    monkeypatch.setattr(session, "warm_pool", lambda settings: FakePool())
    monkeypatch.setattr(fuzz_command, "wiring", lambda *flags: session.Wiring())
    out = tmp_path / "c"
    assert main(["fuzz", "--generator", "toy", "--max-round", "25", "--out", str(out), "-q"]) == 0
    return out, capsys.readouterr().out


def test_json_has_the_documented_fields(
    finished: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["status", str(finished[0]), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("tests", "valid", "bugs_unique", "bugs_total", "covered_lines", "elapsed_s"):
        assert key in data
    assert data["tests"] == 25 and data["running"] is False
    assert data["stop_reason"] == "round limit" and data["generator"] == "toy"
    assert data["valid"] + data["invalid"] + data["rejected"] == 25
    assert data["bugs_total"] == sum(kind["total"] for kind in data["by_kind"].values())


def test_text_is_the_campaigns_own_summary(
    finished: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    out, fuzz_summary = finished
    assert main(["status", str(out)]) == 0
    status_text = capsys.readouterr().out
    assert status_text.splitlines() == fuzz_summary.splitlines()[: len(status_text.splitlines())]
    assert "tests          25 " in status_text


def test_a_running_campaign_shows_as_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = Environment("2.13.0", "3.11", "0.1.0", "cpu", "linux")
    with CampaignStore.create(tmp_path / "c", {"generator": "builtin"}, env) as store:
        store.start_run([])
        assert main(["status", str(tmp_path / "c"), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["running"] is True
    assert main(["status", str(tmp_path / "c"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["running"] is False


def test_status_of_a_directory_without_a_campaign_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fuel.cli.main", "status", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip() == f"fuel: error: {tmp_path} holds no campaign (no campaign.db there)"
    )
