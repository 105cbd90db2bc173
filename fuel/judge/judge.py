"""The judge: from a worker's raw :class:`RunResult` to a :class:`Verdict`.

The rules are ORACLE.md's. Eager and compiled must behave alike: when only the
compiled side raises, dies or hangs, that is a bug; when both raise, the program is
invalid; when only eager raises, compiled skipped a check (a bug, ranked lower).
When both return, each value (output, mutated input or buffer, gradient) is judged
on its own against the float64 reference: a mismatch ORACLE.md does not count as a bug
(a hazard the value depends on, rounding a discontinuity amplified, undefined
behaviour, eager itself broken) is set aside with its reason and the other values are
still judged; the first value that is a bug decides, else the first reason makes the
verdict ``skipped``. Whether a hang is load, and whether a half-precision mismatch is
intended upstream, takes a second run: :mod:`fuel.judge.rerun`.
"""

from __future__ import annotations

import signal as signals
from dataclasses import replace
from pathlib import Path

import torch

from fuel.execute.records import (
    CompileOptions,
    DiscreteRecheck,
    ExitStatus,
    Failure,
    Phase,
    RunOutcome,
    RunResult,
)
from fuel.judge import discrete, eager_side, filters
from fuel.judge.compare import Mismatch, Values, compare_structure, compare_values, values_of
from fuel.judge.signature import (
    crash_signature,
    death_signature,
    numeric_signature,
    operator_names,
    value_category,
)
from fuel.judge.stage import failure_stage, innermost, raised_in_fuel, torch_frames
from fuel.judge.verdict import CrashEvidence, Kind, Outcome, Stage, Verdict

EAGER_PHASES = (Phase.SETUP, Phase.EAGER, Phase.EAGER_REPEAT, Phase.PROBE)
HELPER_PHASES = (Phase.REFERENCE, Phase.PERTURBED, Phase.DISCRETE, Phase.CONTIGUOUS, Phase.ROUNDED,
                 Phase.ROUNDED_UP, Phase.CAPTURE)  # after compiled returned (or was refused)
# Dynamo refuses a dim the program marked dynamic but itself specialises: user error.
PROGRAM_ERRORS = ("ConstraintViolationError",)
OOM_MARKERS = ("can't allocate memory", "out of memory", "DefaultCPUAllocator", "bad_alloc")
# Running out of memory under compile is a bug only when compiled needed far more than
# eager, measured: eager's peak (fuel.execute.memory) at most this share of the worker's
# limit, so that compiled needed at least twice what eager did.
OOM_EAGER_SHARE = 0.5
# The worker could not load the kernel Inductor built: the worker's environment (its
# memory limit, the loader), which says nothing of the program or of torch.
KERNEL_LOAD_MARKERS = ("failed to map segment from shared object",)
UNSUPPORTED = "torch._dynamo.exc.Unsupported"
DEFAULT_TARGET = CompileOptions().target


def judge(result: RunResult, options: CompileOptions) -> Verdict:
    verdict = _judge(result, options)
    timings = {o.phase.value: round(o.seconds, 4) for o in result.outcomes}
    signature = verdict.signature
    if signature is not None and options.target != DEFAULT_TARGET:  # a bug of that target
        signature = replace(signature, target=options.target)
    return replace(verdict, seconds=round(result.seconds, 4), phase_seconds=timings,
                   ops=operator_names(result.probe.aten_ops), signature=signature,
                   notes=(*result.notes, *verdict.notes))  # fmt: skip


def _judge(result: RunResult, options: CompileOptions) -> Verdict:
    if result.sandbox_violations:
        return Verdict(Outcome.REJECTED, detail=result.sandbox_violations[0])
    if result.exit is ExitStatus.WORKER_ERROR:
        if any(marker in result.detail for marker in OOM_MARKERS):  # the program's, not fuel's
            detail = f"the worker {result.detail}; {over_limit(result.memory_limit_mb)}"
            return Verdict(Outcome.SKIPPED, kind=Kind.OOM, detail=detail)
        detail = f"fuel's worker failed: {result.detail}"
        return Verdict(Outcome.SKIPPED, detail=detail, fuel_error=result.detail or "unknown")
    if result.exit is not ExitStatus.COMPLETED:
        return judge_death(result)
    if result.setup_failure:
        detail = f"setup failed: {summary(result.setup_failure)}"
        if is_oom(result.setup_failure):
            detail += f"; {over_limit(result.memory_limit_mb)}"
        return Verdict(Outcome.INVALID, detail=detail)
    eager, repeat = result.outcome(Phase.EAGER), result.outcome(Phase.EAGER_REPEAT)
    compiled = result.outcome(Phase.COMPILED)
    if fuel_failed := fuel_failure(eager, repeat, compiled):
        return fuel_failed
    if options.eager_only and eager is not None and repeat is not None:
        return judge_eager_alone(eager, repeat, result.memory_limit_mb)
    if eager is None or repeat is None or compiled is None:
        return Verdict(Outcome.SKIPPED, detail="the worker returned an incomplete result")
    if eager.ok != repeat.ok or (eager.ok and not eager.identical_to(repeat)):
        return Verdict(Outcome.SKIPPED, detail="eager is nondeterministic: two runs disagree")
    if not eager.ok:
        return judge_eager_failure(eager, compiled, result.memory_limit_mb)
    if not compiled.ok:
        return judge_compile_failure(result, eager, compiled, options)
    return judge_values(result, eager, compiled)


def fuel_failure(*outcomes: RunOutcome | None) -> Verdict | None:
    """A phase that failed inside fuel's own code (say the runner, on an output it did
    not expect) says nothing of the program or of torch: fuel's error, not a verdict."""
    for outcome in outcomes:
        if outcome is None or outcome.failure is None:
            continue
        if frame := raised_in_fuel(outcome.failure):
            where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.function}"
            what = f"{summary(outcome.failure)} ({where})"
            return Verdict(Outcome.SKIPPED, detail=f"fuel failed: {what}", fuel_error=what)
    return None


def judge_eager_alone(eager: RunOutcome, repeat: RunOutcome, limit_mb: int) -> Verdict:
    """A validity check: does the program run in eager, the same way twice?"""
    if eager.failure is not None:
        return Verdict(Outcome.INVALID, kind=Kind.OOM if is_oom(eager.failure) else None,
                       detail=eager_raised(eager.failure, limit_mb))  # fmt: skip
    if not repeat.ok or not eager.identical_to(repeat):
        return Verdict(Outcome.SKIPPED, detail="eager is nondeterministic: two runs disagree")
    return Verdict(Outcome.PASS, detail="eager only")


def summary(failure: Failure) -> str:
    inner = innermost(failure)
    first = inner.message.strip().splitlines()[0] if inner.message.strip() else ""
    return f"{inner.exc_type.rsplit('.', 1)[-1]}: {first}"[:300]


def is_oom(failure: Failure) -> bool:
    inner = innermost(failure)
    return inner.exc_type == "MemoryError" or any(m in inner.message for m in OOM_MARKERS)


def eager_raised(failure: Failure, limit_mb: int) -> str:
    """What eager raised; for running out of memory, whose limit it met and how to lift it."""
    detail = f"eager raised {summary(failure)}"
    return f"{detail}; {over_limit(limit_mb)}" if is_oom(failure) else detail


def over_limit(limit_mb: int) -> str:
    """The user's way out when the program itself needs more memory than the worker has."""
    if limit_mb <= 0:
        return "the program needs more memory than this machine gave it"
    return (f"the program needs more memory than --memory-mb {limit_mb} allows: rerun with "
            "a larger --memory-mb to judge it")  # fmt: skip


def crash_evidence(failure: Failure) -> CrashEvidence:
    inner = innermost(failure)
    return CrashEvidence(inner.exc_type, inner.message, torch_frames(failure))


def judge_eager_failure(eager: RunOutcome, compiled: RunOutcome, limit_mb: int) -> Verdict:
    assert eager.failure is not None
    if compiled.failure is not None:
        return Verdict(Outcome.INVALID, kind=Kind.OOM if is_oom(eager.failure) else None,
                       detail=eager_raised(eager.failure, limit_mb))  # fmt: skip
    if is_oom(eager.failure):
        detail = "eager ran out of memory; the compiled program needed less"
        return Verdict(Outcome.SKIPPED, kind=Kind.OOM, detail=detail)
    kind = Kind.EAGER_ONLY_ERROR
    return Verdict(
        Outcome.BUG,
        kind=kind,
        stage=Stage.EAGER,
        detail=f"eager raised {summary(eager.failure)}; compiled returned",
        signature=crash_signature(kind, eager.failure, Stage.EAGER),
        crash=crash_evidence(eager.failure),
    )


def judge_compile_failure(
    result: RunResult, eager: RunOutcome, compiled: RunOutcome, options: CompileOptions
) -> Verdict:
    failure = compiled.failure
    assert failure is not None
    if compiled.while_tracing:
        return judge_refusal(result, failure)
    if options.fullgraph and innermost(failure).exc_type == UNSUPPORTED:
        return Verdict(Outcome.SKIPPED, detail=f"graph break under fullgraph: {summary(failure)}")
    if innermost(failure).exc_type.endswith(PROGRAM_ERRORS):
        return Verdict(Outcome.INVALID, detail=f"the program's dynamic marks: {summary(failure)}")
    if kernel_not_loaded(failure):
        what = f"the worker could not load Inductor's compiled kernel: {summary(failure)}"
        return Verdict(Outcome.SKIPPED, detail=f"fuel failed: {what}", fuel_error=what)
    detail = f"compiled raised {summary(failure)}"
    kind = Kind.COMPILE_CRASH
    if is_oom(failure):
        kind = Kind.OOM
        if reason := oom_excuse(result, eager):
            return Verdict(Outcome.SKIPPED, kind=kind, detail=f"{detail}; {reason}")
        detail += f"; {oom_evidence(result, eager)}"
    stage = failure_stage(failure)
    return Verdict(
        Outcome.BUG,
        kind=kind,
        stage=stage,
        detail=detail,
        signature=crash_signature(kind, failure, stage),
        crash=crash_evidence(failure),
    )


def judge_refusal(result: RunResult, failure: Failure) -> Verdict:
    """A target's trace (torch.export) failed: never a bug by itself.

    Export refuses by design what it cannot trace into one graph (graph breaks,
    data-dependent control flow without ``torch.cond``, unsupported Python). Where
    torch.compile(fullgraph=True) cannot capture the program either (``Phase.CAPTURE``),
    the refusal is by design and the program is invalid for this target. Where it can,
    export's failure is a lead: skipped and counted, not reported, until the issue
    template says how such a report is judged."""
    capture = result.outcome(Phase.CAPTURE)
    refused = f"export raised {summary(failure)}"
    if capture is not None and capture.ok:
        detail = f"export lead: {refused}; torch.compile(fullgraph=True) captures the program"
        return Verdict(Outcome.SKIPPED, kind=Kind.TARGET_REFUSED, stage=Stage.EXPORT, detail=detail)
    why = summary(capture.failure) if capture is not None and capture.failure else "not run"
    detail = (f"invalid for this target: {refused}; torch.compile(fullgraph=True) cannot "
              f"capture it either ({why})")  # fmt: skip
    return Verdict(Outcome.INVALID, kind=Kind.TARGET_REFUSED, stage=Stage.EXPORT, detail=detail)


def kernel_not_loaded(failure: Failure) -> bool:
    chain: Failure | None = failure
    while chain is not None:
        if any(marker in chain.message for marker in KERNEL_LOAD_MARKERS):
            return True
        chain = chain.cause
    return False


def oom_excuse(result: RunResult, eager: RunOutcome | None) -> str | None:
    """Why running out of memory under compile is not a bug here (None: it is, because
    eager was measured to need at most :data:`OOM_EAGER_SHARE` of the limit)."""
    limit = result.memory_limit_mb
    if limit <= 0:
        return "the worker had no memory limit to compare eager's peak with"
    if eager is None or eager.peak_mb is None:
        return "eager's peak memory was not measured, so compiled cannot be shown to need more"
    if eager.peak_mb > limit * OOM_EAGER_SHARE:
        return (f"eager itself peaked at {eager.peak_mb:.0f} MB of the {limit} MB limit; "
                "rerun with a larger --memory-mb to judge it")  # fmt: skip
    return None


def oom_evidence(result: RunResult, eager: RunOutcome) -> str:
    return (f"eager peaked at {eager.peak_mb:.0f} MB, compiled needed more than the "
            f"worker's {result.memory_limit_mb} MB")  # fmt: skip


def judge_death(result: RunResult) -> Verdict:
    phase = result.died_in or Phase.SETUP
    if result.exit is ExitStatus.TIMEOUT:
        kind, what = Kind.TIMEOUT, "did not finish in time"
    elif result.exit is ExitStatus.OOM or "bad_alloc" in result.stderr_tail:
        kind, what = Kind.OOM, "ran out of memory (killed)"
    else:
        kind, what = Kind.CRASH_SIGNAL, died_how(result)
    detail = f"the worker {what} during the {phase.value} phase"
    if result.detail:  # how it was lost, when the pool knows more than the death
        detail += f" ({result.detail})"
    eager = result.outcome(Phase.EAGER)
    eager_failed = phase in EAGER_PHASES or (eager is not None and not eager.ok)
    if eager_failed and kind is not Kind.CRASH_SIGNAL:
        if eager is not None and eager.failure is not None:
            detail += f", after eager raised {summary(eager.failure)}"
        if kind is Kind.OOM:
            detail += f"; {over_limit(result.memory_limit_mb)}"
        return Verdict(Outcome.INVALID, kind=kind, stage=Stage.EAGER, detail=detail)
    if phase in HELPER_PHASES and kind is not Kind.CRASH_SIGNAL:
        return Verdict(Outcome.SKIPPED, kind=kind, detail=detail)
    if kind is Kind.OOM:
        if reason := oom_excuse(result, eager):
            return Verdict(Outcome.SKIPPED, kind=kind, detail=f"{detail}; {reason}")
        assert eager is not None
        detail += f"; {oom_evidence(result, eager)}"
    stage = Stage.UNKNOWN if phase in (Phase.COMPILED, Phase.DISCRETE) else Stage.EAGER
    crash = CrashEvidence("signal", result.stderr_tail[-2000:], (), result.signal)
    return Verdict(
        Outcome.BUG,
        kind=kind,
        stage=stage,
        detail=detail,
        signature=death_signature(kind, what, phase.value, stage),
        crash=crash,
    )


def died_how(result: RunResult) -> str:
    if result.signal is not None:
        try:
            name = signals.Signals(result.signal).name
        except ValueError:
            name = f"signal {result.signal}"
        return f"died with {name}"
    return f"exited with code {result.exit_code}"


def judge_values(result: RunResult, eager: RunOutcome, compiled: RunOutcome) -> Verdict:
    """Each value on its own: the first one that is a bug decides; values excused by
    ORACLE.md's rules are skipped with their reason, and the rest still judged."""
    structure = compare_structure(eager, compiled)
    if structure is not None:  # no one value to blame: every hazard of the run applies
        reason = filters.global_reason(structure, result.probe)
        if reason:
            return skipped(structure, reason)
        return mismatch_verdict(structure, result)
    reference, perturbed = result.outcome(Phase.REFERENCE), result.outcome(Phase.PERTURBED)
    rechecks = discrete.rechecks_of(result)
    references = eager_side.references_of(result)
    excused: list[Verdict] = []
    blamed: list[Verdict] = []  # eager's own bugs: a compile bug anywhere outranks them
    for values in values_of(eager, compiled, reference, perturbed):
        mismatch = compare_values(values)
        if mismatch is None:
            continue
        recheck = rechecks.get(values.where)
        found = eager_part(values, mismatch, result, references, recheck)
        if found is not None:
            if bool(found.wrong.any()):
                blamed.append(eager_side.verdict_of(values, found, result.probe.aten_ops))
            rest = compare_values(values, exclude=found.settled)
            if rest is None:
                if not found.wrong.any():
                    excused.append(skipped(mismatch, eager_side.TIE))
                continue
            mismatch = rest
        settled = found.settled if found is not None else None
        mismatch, reason = excuse(values, mismatch, result, recheck, settled)
        if reason:
            excused.append(skipped(mismatch, reason))
            continue
        return mismatch_verdict(mismatch, result)
    for found_first in (blamed, excused):
        if found_first:
            more = f" (and {len(found_first) - 1} more)" if len(found_first) > 1 else ""
            return replace(found_first[0], detail=found_first[0].detail + more)
    return Verdict(Outcome.PASS)


def eager_part(
    values: Values,
    mismatch: Mismatch,
    result: RunResult,
    references: eager_side.References,
    recheck: DiscreteRecheck | None,
) -> eager_side.Finding | None:
    """Eager's own part in this mismatch (:mod:`fuel.judge.eager_side`); none for a value
    a hazard excuses, whose every number is unjudgeable."""
    if filters.excuse(mismatch, values.where, result.probe):
        return None
    return eager_side.finding(values, references, after_step=recheck is not None)


def excuse(
    values: Values,
    mismatch: Mismatch,
    result: RunResult,
    recheck: DiscreteRecheck | None,
    settled: torch.Tensor | None = None,
) -> tuple[Mismatch, str | None]:
    """Why this value's mismatch is not a bug (None: it is), and the mismatch left once
    the elements a discontinuity explains (and those already ``settled``) are set aside."""
    reason = filters.excuse(mismatch, values.where, result.probe)
    if reason:
        return mismatch, reason
    if recheck is not None:
        if discrete.explains_whole(values, recheck):
            return mismatch, discrete.describe(recheck)
        explained = discrete.explained(values, recheck)
        if explained is not None and bool(explained.any()):
            unjudged = explained if settled is None else explained | settled
            rest = compare_values(values, exclude=unjudged)
            if rest is None:
                return mismatch, discrete.describe(recheck)
            mismatch = rest
        elif disagrees := discrete.disagreement(recheck):  # outranks any conditioning note
            mismatch = replace(mismatch, detail=f"{mismatch.detail}; {disagrees}", note="")
    return mismatch, mismatch.hazard or None


def skipped(mismatch: Mismatch, reason: str) -> Verdict:
    return Verdict(Outcome.SKIPPED, kind=mismatch.kind, detail=f"{mismatch.detail}; {reason}")


def mismatch_verdict(mismatch: Mismatch, result: RunResult) -> Verdict:
    evidence = mismatch.evidence
    dtype = evidence.dtype if evidence else ""
    value = value_category(evidence.where) if evidence else ""
    ops = operator_names(result.probe.aten_ops)
    return Verdict(
        Outcome.BUG,
        kind=mismatch.kind,
        stage=Stage.UNKNOWN,
        detail=mismatch.detail,
        signature=numeric_signature(mismatch.kind, dtype, ops, value),
        numeric=mismatch.evidence,
        notes=(mismatch.note,) if mismatch.note else (),
    )
