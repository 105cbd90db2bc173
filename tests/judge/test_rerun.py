"""Second looks: which verdicts need one, and what the second run makes of them."""

from __future__ import annotations

from dataclasses import replace

from fuel.execute.records import CompileOptions, ExitStatus, Probe, RunResult
from fuel.judge.evidence import NumericEvidence
from fuel.judge.rerun import (
    EMULATE,
    INTENDED,
    SLOW_FACTOR,
    SURVIVES,
    Rerun,
    Why,
    rerun_for,
    settle,
)
from fuel.judge.verdict import Kind, Outcome, Verdict

OPTIONS = CompileOptions()
BF16 = NumericEvidence("output[0]", "bfloat16", (4,), 0.5, 0.5, 1, 4)
MISMATCH = Verdict(Outcome.BUG, kind=Kind.NUMERIC_MISMATCH, detail="output[0]: differs",
                   numeric=BF16)  # fmt: skip
TIMEOUT = Verdict(Outcome.BUG, kind=Kind.TIMEOUT, detail="did not finish in time")


def ran(seconds: float = 1.0, dtypes: tuple[str, ...] = ()) -> RunResult:
    return RunResult(ExitStatus.COMPLETED, probe=Probe(dtypes=dtypes), seconds=seconds)


def test_a_timeout_is_rerun_alone_with_a_generous_limit() -> None:
    again = rerun_for(TIMEOUT, ran(seconds=61.0), OPTIONS, 60.0)
    assert again is not None and again.why is Why.SLOW
    assert again.timeout_s == SLOW_FACTOR * 61.0
    # with the runner's default limit, the timed-out run's own length stands for it
    default = rerun_for(TIMEOUT, ran(seconds=60.5), OPTIONS, None)
    assert default is not None and default.timeout_s == SLOW_FACTOR * 60.5


def test_a_timeout_that_repeats_alone_stays_a_bug() -> None:
    again = Rerun(Why.SLOW, OPTIONS, 300.0)
    settled = settle(TIMEOUT, TIMEOUT, again)
    assert settled.is_bug and "again" in settled.notes[-1]


def test_a_timeout_that_finishes_alone_is_slow_under_load() -> None:
    again = Rerun(Why.SLOW, OPTIONS, 300.0)
    settled = settle(TIMEOUT, Verdict(Outcome.PASS, seconds=33.0), again)
    assert settled.outcome is Outcome.SKIPPED and settled.kind is Kind.TIMEOUT
    assert settled.detail.startswith("slow under load") and "33.0 s" in settled.detail
    real = settle(TIMEOUT, MISMATCH, again)  # finishing revealed another bug: that one
    assert real.kind is Kind.NUMERIC_MISMATCH and real.notes


def test_half_precision_mismatches_climb_the_precision_ladder() -> None:
    again = rerun_for(MISMATCH, ran(), OPTIONS, 60.0)
    assert again is not None and again.why is Why.PRECISION
    assert (EMULATE, True) in again.options.config and again.timeout_s == 60.0
    float32 = replace(MISMATCH, numeric=replace(BF16, dtype="float32"))
    assert rerun_for(float32, ran(), OPTIONS, 60.0) is None
    inside = rerun_for(float32, ran(dtypes=("float32", "bfloat16")), OPTIONS, 60.0)
    assert inside is not None  # computed in bfloat16 inside, returned as float32
    assert rerun_for(MISMATCH, ran(), again.options, 60.0) is None  # no ladder twice


def test_a_mismatch_that_emulated_casts_remove_is_intended_behaviour() -> None:
    again = Rerun(Why.PRECISION, OPTIONS.with_config(EMULATE, True), None)
    settled = settle(MISMATCH, Verdict(Outcome.PASS), again)
    assert settled.outcome is Outcome.SKIPPED and INTENDED in settled.detail
    assert settled.signature is None


def test_a_mismatch_that_survives_emulated_casts_says_so() -> None:
    again = Rerun(Why.PRECISION, OPTIONS.with_config(EMULATE, True), None)
    settled = settle(MISMATCH, MISMATCH, again)
    assert settled.is_bug and settled.notes == (SURVIVES,)


def test_other_verdicts_need_no_second_look() -> None:
    assert rerun_for(Verdict(Outcome.PASS), ran(dtypes=("bfloat16",)), OPTIONS, 60.0) is None
    crash = Verdict(Outcome.BUG, kind=Kind.COMPILE_CRASH)
    assert rerun_for(crash, ran(dtypes=("bfloat16",)), OPTIONS, 60.0) is None
