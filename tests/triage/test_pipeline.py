"""process_bug: from a bug to the files of a report, with a crafted judge (no workers)."""

from __future__ import annotations

import functools
import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from fuel import serial
from fuel.check import Checker
from fuel.check.share import CONFIRMING, ShareGate, WorkerTime
from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.store.bugdir import BugFiles, Confirmation
from fuel.triage import pipeline
from fuel.triage.pipeline import (
    BugSource,
    ReduceSettings,
    candidate_timeout,
    process_bug,
    read_bug,
)
from tests.check.test_share import Timed
from tests.reduce.crafted import planted_judge
from tests.reduce.test_passes import program

SOURCE = program("a = torch.relu(x)\nb = torch.remainder(a, y)\nc = torch.tanh(b)\nreturn (c, a)")
SETTINGS = ReduceSettings(bisect=False, confirm=False, judge=planted_judge(),
                          versions=lambda: "PyTorch version: test\n")  # fmt: skip


def test_a_file_becomes_a_complete_bug_directory(tmp_path: Path) -> None:
    path = tmp_path / "bug.py"
    path.write_text(SOURCE)
    bug, out = read_bug(path, CompileOptions(backend="eager"))
    assert out == tmp_path / "bug-reduced" and bug.target is None
    done = process_bug(bug, None, out, SETTINGS)
    files = BugFiles(out)
    assert done.reduction.after.forward_statements == 1
    assert files.program.read_text() == SOURCE
    assert files.read_verdict() == done.reduction.target
    assert files.read_options().backend == "eager"
    assert "return torch.remainder(x, y)" in files.reduced.read_text()
    assert "return torch.remainder(x, y)" in files.repro.read_text()
    report = files.report.read_text()
    assert report.startswith("# [dynamo] torch.remainder returns wrong values (float32) on CPU")
    assert "(the repro was not run)" in report and "PyTorch version: test" in report
    reduction = json.loads(files.reduction.read_text())
    assert reduction["reason"] == "fixed_point"
    assert reduction["after"]["forward_statements"] == 1
    assert {p["name"] for p in reduction["passes"]} >= {"remove_statements", "shrink_integers"}
    assert serial.from_data(Verdict, reduction["verdict"]).is_bug


def test_a_bug_directory_keeps_its_stored_bug(tmp_path: Path) -> None:
    first = process_bug(BugSource(SOURCE, "x", CompileOptions()), None, tmp_path / "a", SETTINGS)
    stored = tmp_path / "b"
    stored.mkdir()
    (stored / "program.py").write_text(SOURCE)
    assert first.reduction.target is not None
    (stored / "verdict.json").write_text(serial.dumps(first.reduction.target))
    bug, out = read_bug(stored, CompileOptions())
    assert out == stored and bug.target == first.reduction.target
    done = process_bug(bug, None, out, SETTINGS)
    assert done.reduction.reduced == first.reduction.reduced


def test_a_program_without_the_bug_leaves_only_the_reduction_record(tmp_path: Path) -> None:
    clean = SOURCE.replace("torch.remainder(a, y)", "torch.fmod(a, y)")
    done = process_bug(BugSource(clean, "clean", CompileOptions()), None, tmp_path, SETTINGS)
    assert not done.reduction.reproduced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reduction.json"]


def test_candidates_get_a_shorter_timeout_than_the_campaign() -> None:
    done = BugSource(SOURCE, "x", CompileOptions())
    assert candidate_timeout(done, 60.0) == 60.0  # nothing known of the original
    target = Verdict(Outcome.BUG, Kind.NUMERIC_MISMATCH, seconds=2.0)
    assert candidate_timeout(BugSource(SOURCE, "x", CompileOptions(), target), 60.0) == 20.0
    slow = Verdict(Outcome.BUG, Kind.NUMERIC_MISMATCH, seconds=12.0)
    assert candidate_timeout(BugSource(SOURCE, "x", CompileOptions(), slow), 60.0) == 48.0
    hang = Verdict(Outcome.BUG, Kind.TIMEOUT, seconds=60.0)
    assert candidate_timeout(BugSource(SOURCE, "x", CompileOptions(), hang), 60.0) == 60.0


def test_the_campaign_runs_the_reducer_on_new_bugs() -> None:
    from fuel.cli.fuzz import wiring
    from fuel.triage.processor import reduce_and_report

    processors = wiring(no_reduce=False).processors
    assert "reduce" in [p.name for p in processors]
    (reduce,) = [p.process for p in processors if p.name == "reduce"]
    assert isinstance(reduce, functools.partial) and reduce.func is reduce_and_report
    assert reduce.keywords == {"also_on": ()}
    assert wiring(no_reduce=True).processors == ()
    assert wiring(no_reduce=True).processors == ()


def test_a_campaigns_repro_confirmation_is_paced_by_its_gate_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fresh_interpreter(text: str, verdict: Verdict) -> Confirmation:
        time.sleep(0.2)
        return Confirmation(True, 1, False, 0.2, "")

    monkeypatch.setattr(pipeline, "confirm_in_fresh_interpreter", fresh_interpreter)
    meter = WorkerTime()
    checker = Checker(ShareGate(Timed(0.0), meter, workers=1), CompileOptions())
    bug = BugSource(SOURCE, "x", CompileOptions())
    done = process_bug(bug, checker, tmp_path / "a", replace(SETTINGS, confirm=True))
    assert done.report.repro is not None and done.report.repro.reproduced
    assert meter.seconds(CONFIRMING) == pytest.approx(0.2, abs=0.1)


def test_an_eager_bug_is_reduced_and_reported_without_bisecting_the_compiler(
    tmp_path: Path,
) -> None:
    planted = planted_judge()

    def as_eager_bug(source: str) -> Verdict:  # the planted bug, blamed on eager
        verdict = planted(source)
        if not verdict.is_bug or verdict.signature is None:
            return verdict
        signature = replace(verdict.signature, kind=Kind.EAGER_ROUNDING)
        return replace(verdict, kind=Kind.EAGER_ROUNDING, signature=signature)

    lines: list[str] = []
    settings = replace(SETTINGS, bisect=True, judge=as_eager_bug)
    done = process_bug(BugSource(SOURCE, "x", CompileOptions()), None, tmp_path / "a", settings,
                       log=lines.append)  # fmt: skip
    assert done.reduction.after.forward_statements == 1
    assert any("an eager bug (compiled is right): no ablation" in line for line in lines)
    report = BugFiles(tmp_path / "a").report.read_text()
    assert report.startswith("# [eager] torch.remainder rounds wrongly in eager (float32) on CPU")
    assert "A bug of eager, not of torch.compile" in report
