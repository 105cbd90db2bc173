"""``--target``: a name fuel does not know, or a flag the target does not take, is one
line and exit 2 before any work; a pinned target is kept by the campaign."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_check import EXAMPLES, fuel

VALID = str(next(path for path in EXAMPLES if path.name == "valid_make_inputs.py"))


@pytest.mark.parametrize(
    ("flags", "line"),
    [
        (("--target", "tvm"), "fuel: error: unknown target 'tvm' (known: aoti, compile, export)"),
        (("--target", "export", "--backward"),
         "fuel: error: --target export takes no --backward (only torch.compile does)"),
    ],
)  # fmt: skip
def test_a_bad_target_is_one_line_and_exit_2(flags: tuple[str, ...], line: str) -> None:
    for command in ("check", "reduce", "fuzz"):
        done = fuel(command, *flags, VALID if command != "fuzz" else "--max-round=1",
                    timeout=120)  # fmt: skip
        assert (done.returncode, done.stderr.strip()) == (2, line), (command, done.stderr)


@pytest.mark.slow
def test_a_campaign_pinned_to_export_tests_only_export(tmp_path: Path) -> None:
    out = tmp_path / "c"
    done = fuel("fuzz", "--target", "export", "--max-round", "4", "-j", "1", "--seed", "3",
                "--out", str(out), "--quiet", "--no-reduce")  # fmt: skip
    assert done.returncode == 0, done.stderr
    status = json.loads(fuel("status", str(out), "--json").stdout)
    assert set(status["targets_used"]) == {"export"} and status["tests"] == 4
    conn = sqlite3.connect(out / "campaign.db")
    stored = json.loads(conn.execute("SELECT value FROM meta WHERE key='settings'").fetchone()[0])
    conn.close()
    assert stored["options"]["target"] == "export" and "target" in stored["pinned"]
