"""``fuel reduce`` and ``show`` end to end on a stand-in bug (real runs: slow).

The bug program hides ``shifted`` (which adds 1 under any torch.compile backend) in
a longer forward; backend ``eager`` keeps every run under a second.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fuel.program import load_file, syntax

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
PROGRAM = ROOT / "tests" / "reduce" / "programs" / "differs_long.py"


def fuel(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fuel.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def reduced(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("reduce") / "bug"
    done = fuel("reduce", str(PROGRAM), "--out", str(out), "--backend", "eager", "-j", "1")
    return out, done


def test_reduce_writes_a_small_program_a_confirmed_repro_and_a_report(
    reduced: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, done = reduced
    assert done.returncode == 0, done.stdout + done.stderr
    assert "before: 9 statements in forward" in done.stdout
    assert "after:  1 statements in forward" in done.stdout
    assert "repro in a fresh interpreter: exit 1, reproduces" in done.stdout
    tree = syntax.parse((out / "reduced.py").read_text())
    assert syntax.forward_statements(tree) == 1
    assert "shifted(" in (out / "reduced.py").read_text()
    load_file(out / "reduced.py")  # the program format
    for name in ("program.py", "verdict.json", "options.json", "repro.py", "report.md",
                 "reduction.json"):  # fmt: skip
        assert (out / name).is_file(), name
    report = (out / "report.md").read_text()
    assert report.startswith("# [dynamo] shifted returns wrong values (float32) on CPU")
    assert "### Versions" in report and "PyTorch version" in report


def test_show_prints_the_report(reduced: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = reduced
    done = fuel("show", str(out))
    assert done.returncode == 0
    assert done.stdout == (out / "report.md").read_text()


def test_usage_errors() -> None:
    done = fuel("reduce", str(ROOT / "tests"))
    assert done.returncode == 2 and "not a bug directory" in done.stderr
    done = fuel("show", str(ROOT / "tests"))
    assert done.returncode == 2 and "not a bug directory" in done.stderr


def test_reduce_marks_a_bug_already_filed_upstream(tmp_path: Path) -> None:
    """An int8 min program shows pytorch#191499's root cause: the shipped list names it
    for the torch versions it affects, a user's rule for any; either way, it is marked."""
    rule = "class: numeric_mismatch|inductor|*[.ag]m[ai][nx]||*"
    rules = tmp_path / "rules.txt"
    rules.write_text(f"{rule}\n")
    program = ROOT / "bench" / "bugs" / "min_int8.py"
    out = tmp_path / "min"
    done = fuel("reduce", str(program), "--out", str(out), "-j", "1", "--no-confirm",
                "--bisector-time-limit", "0", "--known-issues", str(rules))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    label = next(line for line in done.stdout.splitlines() if line.startswith("known:"))
    assert label.removeprefix("known:  ").split(" (")[0] in ("known #191499", rule)
    reduction = json.loads((out / "reduction.json").read_text())
    assert reduction["known"] in ("known #191499", rule)
    assert f"Already filed upstream ({reduction['known']})" in (out / "report.md").read_text()
