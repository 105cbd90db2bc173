"""The check step gives verdicts their second look, blocking and in flight."""

from __future__ import annotations

from concurrent.futures import Future

import torch

from fuel.check import Checker
from fuel.execute.records import (
    CompileOptions,
    ExitStatus,
    Phase,
    Probe,
    RunOutcome,
    RunResult,
)
from fuel.judge.rerun import EMULATE, INTENDED, SLOW_FACTOR
from fuel.judge.verdict import Kind, Outcome
from fuel.program import Program, ProgramSpec

SOURCE = """import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return x * 2


def make_inputs():
    return (torch.ones(4),)
"""


def timed_out(seconds: float) -> RunResult:
    eager = RunOutcome(Phase.EAGER, (torch.ones(1),), "tuple1")
    return RunResult(ExitStatus.TIMEOUT, (eager, eager), died_in=Phase.COMPILED,
                     seconds=seconds)  # fmt: skip


def completed(
    eager: torch.Tensor, compiled: torch.Tensor, dtypes: tuple[str, ...] = ()
) -> RunResult:
    def run(phase: Phase, value: torch.Tensor) -> RunOutcome:
        return RunOutcome(phase, (value,), "tuple1")

    outcomes = (run(Phase.EAGER, eager), run(Phase.EAGER_REPEAT, eager),
                run(Phase.COMPILED, compiled), run(Phase.REFERENCE, eager.double()),
                run(Phase.PERTURBED, eager))  # fmt: skip
    return RunResult(ExitStatus.COMPLETED, outcomes, probe=Probe(dtypes=dtypes), seconds=2.0)


class Scripted:
    """A runner that answers each run with the next scripted result, and remembers how
    it was asked."""

    def __init__(self, *results: RunResult) -> None:
        self.results = list(results)
        self.asked: list[tuple[CompileOptions, float | None]] = []

    def run(self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None
            ) -> RunResult:  # fmt: skip
        self.asked.append((options, timeout_s))
        return self.results.pop(0)

    def submit(self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None,
               coverage: bool = False) -> Future[RunResult]:  # fmt: skip
        future: Future[RunResult] = Future()
        future.set_result(self.run(spec, options, timeout_s))
        return future


def test_a_timeout_that_finishes_alone_is_slow_under_load() -> None:
    runner = Scripted(timed_out(60.2), completed(torch.ones(4), torch.ones(4)))
    checker = Checker(runner, CompileOptions(), timeout_s=60.0)
    verdict = checker.run(Program(SOURCE, "p"), second_look=True).verdict
    assert verdict.outcome is Outcome.SKIPPED and verdict.kind is Kind.TIMEOUT
    assert runner.asked[1][1] == SLOW_FACTOR * 60.2


def test_a_timeout_that_repeats_alone_is_a_bug_in_flight_too() -> None:
    runner = Scripted(timed_out(60.0), timed_out(300.0))
    checker = Checker(runner, CompileOptions(), timeout_s=60.0)
    verdict = checker.submit(Program(SOURCE, "p")).result(timeout=10).verdict
    assert verdict.is_bug and verdict.kind is Kind.TIMEOUT and verdict.notes


def test_the_precision_ladder_reruns_with_emulated_casts() -> None:
    eager = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.bfloat16)
    wrong = torch.tensor([1.0, 2.0, 3.0, 5.0], dtype=torch.bfloat16)
    runner = Scripted(completed(eager, wrong, ("bfloat16",)), completed(eager, eager.clone()))
    checker = Checker(runner, CompileOptions())
    verdict = checker.submit(Program(SOURCE, "p")).result(timeout=10).verdict
    assert verdict.outcome is Outcome.SKIPPED and INTENDED in verdict.detail
    assert (EMULATE, True) in runner.asked[1][0].config
    assert (EMULATE, True) not in runner.asked[0][0].config


def test_triage_checks_take_no_second_look_unless_asked() -> None:
    runner = Scripted(timed_out(60.0))
    checker = Checker(runner, CompileOptions(), timeout_s=60.0)
    verdict = checker.verdict_of(SOURCE)
    assert verdict.is_bug and verdict.kind is Kind.TIMEOUT and len(runner.asked) == 1
