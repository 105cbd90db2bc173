"""Replay: still failing, fixed, or behaving differently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fuel import serial
from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Kind, NumericEvidence, Outcome, Verdict
from fuel.reduce.simpler import Size
from fuel.store.bugdir import BugFiles, ReductionReport
from fuel.triage.replay import Replayed, Status, bug_directories, classify, replay

ROOT = Path(__file__).parents[2]
DIFFERS = (ROOT / "tests" / "programs" / "compile_differs.py").read_text()
FIXED = DIFFERS.replace("return x + 1", "return x")
MISMATCH = Verdict(
    Outcome.BUG,
    Kind.NUMERIC_MISMATCH,
    detail="output[0] differs",
    numeric=NumericEvidence("output[0]", "float32", (4,), 1.0, 1.0, 4, 4),
)


def bug_dir(root: Path, name: str, source: str, verdict: Verdict) -> Path:
    directory = root / "bugs" / name
    directory.mkdir(parents=True)
    (directory / "program.py").write_text(source)
    (directory / "verdict.json").write_text(serial.dumps(verdict))
    (directory / "options.json").write_text(json.dumps({"backend": "eager"}))
    return directory


def test_classify() -> None:
    assert classify(MISMATCH, MISMATCH) is Status.REPRODUCES
    assert classify(MISMATCH, Verdict(Outcome.PASS)) is Status.FIXED
    assert classify(MISMATCH, Verdict(Outcome.INVALID)) is Status.CHANGED
    nan = Verdict(Outcome.BUG, Kind.NAN_INF_MISMATCH, numeric=MISMATCH.numeric)
    assert classify(MISMATCH, nan) is Status.CHANGED


def test_replay_runs_each_bug_with_its_options_and_prefers_the_reduced_program(
    tmp_path: Path,
) -> None:
    still = bug_dir(tmp_path, "aaa", DIFFERS, MISMATCH)
    fixed = bug_dir(tmp_path, "bbb", FIXED, MISMATCH)
    (fixed / "reduced.py").write_text("# reduced\n" + FIXED)
    size = Size(1, 3, 20, 1, 0, 0, 100)
    reduction = ReductionReport("fixed_point", "", 1.0, 2, size, size, verdict=MISMATCH)
    BugFiles(fixed).write_record(BugFiles(fixed).reduction, reduction)
    seen: list[tuple[str, str]] = []

    def run(source: str, options: CompileOptions) -> Verdict:
        seen.append((source.splitlines()[0], options.backend))
        return MISMATCH if "x + 1" in source else Verdict(Outcome.PASS)

    found = list(replay(bug_directories([tmp_path], CompileOptions()), run))
    assert all(isinstance(r, Replayed) for r in found)
    statuses = {r.directory.name: (r.status, r.program) for r in found if isinstance(r, Replayed)}
    assert statuses == {
        "aaa": (Status.REPRODUCES, "program.py"),
        "bbb": (Status.FIXED, "reduced.py"),
    }
    assert ("# reduced", "eager") in seen
    assert BugFiles(still).is_bug_dir()
    original = list(replay(bug_directories([fixed], CompileOptions()), run, original=True))
    assert isinstance(original[0], Replayed) and original[0].program == "program.py"


@pytest.mark.slow
def test_fuel_replay_says_which_still_reproduce_and_which_are_fixed(tmp_path: Path) -> None:
    bug_dir(tmp_path, "still", DIFFERS, MISMATCH)
    bug_dir(tmp_path, "fixed", FIXED, MISMATCH)
    done = subprocess.run(
        [sys.executable, "-m", "fuel.cli.main", "replay", str(tmp_path), "-j", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stdout + done.stderr  # one still reproduces
    lines = done.stdout.splitlines()
    assert any(line.startswith("FIXED") and " fixed " in line for line in lines), lines
    assert any(line.startswith("REPRODUCES") and " still " in line for line in lines), lines
    assert lines[-1] == "2 replayed: 1 fixed, 1 reproduces"


def test_a_known_root_cause_that_no_longer_reproduces_is_called_out(tmp_path: Path) -> None:
    from fuel.judge.signature import RootCause
    from fuel.store.known import parse_known_issues

    fixed = bug_dir(tmp_path, "ccc", FIXED, MISMATCH)
    (fixed / "reduced.py").write_text(FIXED)
    cause = RootCause(Kind.NUMERIC_MISMATCH, "inductor", ("torch.add",))
    size = Size(1, 3, 20, 1, 0, 0, 100)
    reduction = ReductionReport("fixed_point", "", 1.0, 2, size, size, verdict=MISMATCH,
                                root_cause=cause)  # fmt: skip
    BugFiles(fixed).write_record(BugFiles(fixed).reduction, reduction)
    known = parse_known_issues("class: numeric_mismatch|inductor|torch.add|*\n")

    def run(source: str, options: CompileOptions) -> Verdict:
        return Verdict(Outcome.PASS)

    (done,) = list(replay(bug_directories([tmp_path], CompileOptions()), run, known=known))
    assert isinstance(done, Replayed) and done.status is Status.FIXED
    assert done.known == "class: numeric_mismatch|inductor|torch.add|*"
    assert "no longer reproduces: the upstream issue may be fixed" in done.line()
