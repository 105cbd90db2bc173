"""A campaign begun on one torch and resumed on another keeps everything it recorded, and
each test keeps the torch it ran on: real interpreters (torch 2.13.0, set up by
scripts/test.sh, then this one's)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fuel.store.known import installed_torch

ROOT = Path(__file__).parents[2]
OTHER = os.environ.get("FUEL_OTHER_PYTHON", str(ROOT / ".venv-torch-2.13.0" / "bin" / "python"))

pytestmark = pytest.mark.slow


NEW = ("--backend", "eager", "--settings", "default", "--seed", "5")  # a resume keeps them


def fuzz(python: str, *args: str) -> None:
    command = [python, "-m", "fuel.cli.main", "fuzz", "-j", "1", "--no-reduce", "--log", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_resuming_on_a_newer_torch_keeps_each_test_s_torch(tmp_path: Path) -> None:
    if not Path(OTHER).is_file():
        pytest.fail(f"{OTHER} is missing: scripts/test.sh sets up the torch 2.13.0 environment")
    out = tmp_path / "campaign"
    fuzz(OTHER, *NEW, "--max-round", "3", "--out", str(out))
    with sqlite3.connect(out / "campaign.db") as conn:
        before = conn.execute("SELECT id, digest, verdict FROM tests ORDER BY id").fetchall()
    fuzz(sys.executable, "--max-round", "6", "--resume", str(out))
    with sqlite3.connect(out / "campaign.db") as conn:
        after = conn.execute("SELECT id, digest, verdict FROM tests ORDER BY id").fetchall()
        per_test = conn.execute(
            "SELECT t.id, r.torch_version FROM tests t JOIN runs r ON r.id = t.run_id ORDER BY t.id"
        ).fetchall()
    assert len(before) == 3 and after[:3] == before and len(after) == 6
    first, here = per_test[0][1], installed_torch()
    assert first.startswith("2.13.0") and here != first
    assert [torch for _, torch in per_test] == [first] * 3 + [here] * 3
    status = subprocess.run([sys.executable, "-m", "fuel.cli.main", "status", str(out), "--json"],
                            capture_output=True, text=True, cwd=ROOT, check=True)  # fmt: skip
    assert json.loads(status.stdout)["torch_versions"] == [first, here]
