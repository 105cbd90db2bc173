"""``fuel fuzz --seen OUT_DIR`` and ``--reward`` as users run them (toy generator, fake pool)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuel.campaign import session
from fuel.cli import fuzz as fuzz_command
from fuel.cli.main import main
from tests.campaign.toy import FakePool, register_toys
from tests.cli.test_fuzz import usage_error
from tests.store.database import rows


@pytest.fixture(autouse=True)
def fake_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Toy generators, a fake pool, and no bug processors (reduction would run)."""
    register_toys()
    monkeypatch.setattr(session, "warm_pool", lambda settings: FakePool())
    monkeypatch.setattr(fuzz_command, "wiring", lambda *flags, **named: session.Wiring())


def fuzz(out: Path, *flags: str) -> None:
    # One target: the annealer would also try export and aoti, where the toy's two bugs
    # are other classes (the target is part of a class).
    args = ["fuzz", "--generator", "toy", "--max-round", "60", "-j", "2", "--seed", "4",
            "--target", "compile"]  # fmt: skip
    assert main([*args, "--out", str(out), "-q", *flags]) == 0


def test_seen_counts_an_earlier_campaigns_bugs_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    fuzz(first)
    fuzz(second, "--seen", str(first), "--reward", "classic")
    capsys.readouterr()
    assert main(["status", str(second), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bugs_total"] > 0 and data["bugs_seen"] == data["bugs_total"]
    assert data["root_causes"]["new"] == 0 and data["root_causes"]["seen"] == 2
    stored = json.loads(rows(second, "SELECT value FROM meta WHERE key = 'settings'")[0][0])
    assert stored["seen"] == [str(first.resolve())] and stored["reward"] == "classic"


def test_a_bad_seen_path_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = usage_error(capsys, "fuzz", "--seen", str(tmp_path / "nowhere"), "--max-round", "1")
    assert "--seen" in line
    line = usage_error(capsys, "fuzz", "--generator", "toy", "--seen", str(tmp_path),
                       "--max-round", "1", "--out", str(tmp_path / "c"))  # fmt: skip
    assert "no campaign there" in line and not (tmp_path / "c").exists()
