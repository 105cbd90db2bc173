"""The three displays and the summary text, on a crafted summary (no campaign)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from fuel.campaign.display import LineDisplay, LiveDisplay, log_line, render_summary
from fuel.campaign.events import RoundDone
from fuel.campaign.producer import Candidate
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.program.record import Program
from fuel.store import Recorded, Summary
from fuel.store.records import KindCount, WorkerSeconds

SUMMARY = Summary(
    out="results/x",
    tests=120,
    valid=108,
    passed=100,
    invalid=10,
    skipped=6,
    rejected=2,
    bugs_unique=2,
    bugs_total=5,
    bugs_known=1,
    by_kind=(KindCount("compile_crash", 1, 3), KindCount("numeric_mismatch", 1, 2)),
    covered_lines=45678,
    elapsed_s=125.0,
    run_tests=60,
    run_elapsed_s=60.0,
    runs=2,
    running=True,
    corpus=34,
    last_ops=("add", "relu"),
    generator="builtin",
    heuristic="fasa",
    coverage=True,
    torch_version="2.13.0",
    stop_reason=None,
    signatures=3,
    classes_known=1,
    coverage_policy="sampled",
    measured=42,
    worker_seconds=WorkerSeconds(fuzzing=1500.0, reducing=500.0),
)


def event(new_bug: bool = True, measured: bool = True) -> RoundDone:
    program = Program("", "p", 1, ("add", "relu"), "mutation")
    verdict = Verdict(Outcome.BUG, Kind.COMPILE_CRASH, detail="compiled raised X")
    lines = 12 if measured else 0
    return RoundDone(Recorded(17, 1.0, 45678), Candidate(program), verdict, lines, new_bug, None,
                     measured)  # fmt: skip


def test_summary_text_names_every_figure() -> None:
    text = render_summary(SUMMARY)
    assert "tests          120  (60.0/min this run; 2 run(s))" in text
    assert "valid          90.0 %  (pass 100 · invalid 10 · skipped 6 · rejected 2)" in text
    assert ("2 root causes (3 signatures) / 5 total  (compile_crash 1/3 · numeric_mismatch 1/2 · "
            "known issues 1 (1 root causes))") in text  # fmt: skip
    assert "covered lines  45,678  (corpus 34 programs)" in text
    assert "elapsed        0:02:05" in text and "operators      add, relu" in text
    assert "heuristic fasa, coverage sampled, 35 % measured)" in text
    assert "worker time    fuzzing 1,500 s · reducing 500 s (25 % reducing)" in text
    unmeasured = replace(SUMMARY, coverage=False, worker_seconds=WorkerSeconds())
    assert "coverage off" in render_summary(unmeasured)
    assert "fuzzing 0 s · reducing 0 s (0 % reducing)" in render_summary(unmeasured)
    repros = replace(SUMMARY, worker_seconds=WorkerSeconds(1500.0, 400.0, 100.0))
    assert "reducing 400 s · repro runs 100 s (25 % reducing)" in render_summary(repros)


def test_log_line_per_test() -> None:
    line = log_line(event())
    assert line.startswith("#17     BUG compile_crash NEW")
    assert "mutation  ops=add,relu +12 lines (45,678)" in line
    assert "mutation  ops=add,relu not measured (45,678)" in log_line(event(measured=False))
    stream = io.StringIO()
    display = LineDisplay(stream)
    display.tested(event(new_bug=False))
    display.refresh(SUMMARY, "llm m · $0.01")
    assert stream.getvalue().splitlines()[0].startswith("#17     BUG compile_crash   ")
    assert "fuel: generator: llm m · $0.01" in stream.getvalue()
    assert "120 tests (60.0/min), valid 90.0 %, bugs 2/5" in stream.getvalue()
    assert "worker time fuzzing 1,500 s · reducing 500 s (25 % reducing)" in stream.getvalue()


def test_live_panel_shows_remaining_and_latest_bugs(tmp_path: Path) -> None:
    buffer = io.StringIO()
    display = LiveDisplay(Console(file=buffer, force_terminal=True, width=160))
    display.limits(600.0, 500)
    display.note("starting 2 worker(s)")
    display.tested(event())
    display.refresh(SUMMARY, "llm m")
    display.close()
    shown = buffer.getvalue()
    assert "remaining 0:07:55 or 380 tests" in shown
    assert "#17" in shown and "starting 2 worker(s)" in shown and "llm m" in shown
    assert "reducing 500 s (25 % reducing)" in shown


def test_eager_bugs_are_shown_apart_from_compile_bugs() -> None:
    eager = replace(SUMMARY, eager_bugs=(KindCount("eager_rounding", 1, 4),))
    text = render_summary(eager)
    assert "2 root causes (3 signatures) / 5 total  (compile_crash" in text
    assert ("eager bugs     1 root causes / 4 total  (eager_rounding 1/4; eager wrong where "
            "compiled was right: not compile bugs)") in text  # fmt: skip
    assert "eager bugs" not in render_summary(SUMMARY)
    stream = io.StringIO()
    LineDisplay(stream).refresh(eager)
    assert "bugs 2/5, eager bugs 1/4, covered lines" in stream.getvalue()
    rounding = Verdict(Outcome.BUG, Kind.EAGER_ROUNDING, detail="eager is wrong")
    line = log_line(replace(event(), verdict=rounding))
    assert line.startswith("#17     EAGER BUG eager_rounding NEW")
