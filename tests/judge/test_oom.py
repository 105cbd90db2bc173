"""Out of memory under compile is a bug only when compiled was measured to need far
more than eager; a kernel the worker cannot load is fuel's error (crafted results)."""

from __future__ import annotations

from dataclasses import replace

from fuel.execute.records import CompileOptions, ExitStatus, Phase, RunResult
from fuel.judge.judge import judge
from fuel.judge.verdict import Kind, Outcome
from tests.judge.crafted import failure, outcome, result

OPTIONS = CompileOptions()
NO_MEMORY = failure("RuntimeError", "[enforce fail at alloc_cpu.cpp:121] DefaultCPUAllocator: "
                    "can't allocate memory: you tried to allocate 4294967296 bytes.")  # fmt: skip


def with_eager_peak(run: RunResult, peak_mb: float | None, limit_mb: int = 4096) -> RunResult:
    outcomes = tuple(replace(o, peak_mb=peak_mb) if o.phase is Phase.EAGER else o
                     for o in run.outcomes)  # fmt: skip
    return replace(run, outcomes=outcomes, memory_limit_mb=limit_mb)


def test_compiled_out_of_memory_where_eager_needed_little_is_a_bug() -> None:
    verdict = judge(with_eager_peak(result(1.0, NO_MEMORY), 12.0), OPTIONS)
    assert (verdict.outcome, verdict.kind) == (Outcome.BUG, Kind.OOM), verdict
    assert "eager peaked at 12 MB" in verdict.detail and "4096 MB" in verdict.detail


def test_compiled_out_of_memory_where_eager_needed_most_of_the_limit_is_not_judged() -> None:
    verdict = judge(with_eager_peak(result(1.0, NO_MEMORY), 3000.0), OPTIONS)
    assert (verdict.outcome, verdict.kind) == (Outcome.SKIPPED, Kind.OOM), verdict
    assert "--memory-mb" in verdict.detail


def test_compiled_out_of_memory_without_eager_s_measure_is_not_judged() -> None:
    verdict = judge(with_eager_peak(result(1.0, NO_MEMORY), None), OPTIONS)
    assert verdict.outcome is Outcome.SKIPPED and "not measured" in verdict.detail


def test_a_worker_killed_while_compiling_is_judged_by_the_same_rule() -> None:
    eager = outcome(Phase.EAGER, 1.0)
    killed = RunResult(ExitStatus.OOM, (eager, replace(eager, phase=Phase.EAGER_REPEAT)),
                       died_in=Phase.COMPILED, signal=9)  # fmt: skip
    small = judge(with_eager_peak(killed, 5.0), OPTIONS)
    large = judge(with_eager_peak(killed, 2500.0), OPTIONS)
    assert (small.outcome, small.kind) == (Outcome.BUG, Kind.OOM)
    assert (large.outcome, large.kind) == (Outcome.SKIPPED, Kind.OOM)


def test_a_kernel_the_worker_cannot_load_is_fuel_s_error_not_a_verdict() -> None:
    cannot_load = failure(
        "torch._inductor.exc.InductorError",
        "ImportError: /tmp/x/c2a.so: failed to map segment from shared object",
    )
    verdict = judge(with_eager_peak(result(1.0, cannot_load), 3.0), OPTIONS)
    assert verdict.outcome is Outcome.SKIPPED and verdict.fuel_error, verdict
    assert "could not load Inductor's compiled kernel" in verdict.fuel_error


def test_a_program_eager_cannot_fit_in_the_limit_says_how_to_raise_it() -> None:
    """Defect 11 of issue 26: the program's own need of memory, not fuel's failure."""
    run = replace(result(NO_MEMORY, NO_MEMORY), memory_limit_mb=256)
    verdict = judge(run, OPTIONS)
    assert verdict.kind is Kind.OOM and not verdict.fuel_error, verdict
    assert "needs more memory than --memory-mb 256 allows" in verdict.detail
    assert "rerun with a larger --memory-mb" in verdict.detail


def test_a_worker_that_could_not_allocate_blames_the_limit_not_fuel() -> None:
    run = RunResult(ExitStatus.WORKER_ERROR, (), detail="MemoryError: can't allocate memory",
                    memory_limit_mb=512)  # fmt: skip
    verdict = judge(run, OPTIONS)
    assert (verdict.outcome, verdict.kind) == (Outcome.SKIPPED, Kind.OOM), verdict
    assert not verdict.fuel_error and "--memory-mb 512" in verdict.detail
    assert not judge(replace(run, detail="KeyError: 'x'"), OPTIONS).kind  # fuel's own, still


def test_a_worker_killed_for_memory_in_eager_says_how_to_raise_the_limit() -> None:
    killed = RunResult(ExitStatus.OOM, (), died_in=Phase.EAGER, signal=9, memory_limit_mb=300)
    verdict = judge(killed, OPTIONS)
    assert verdict.kind is Kind.OOM and "--memory-mb 300" in verdict.detail, verdict
