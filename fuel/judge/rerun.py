"""Second looks: verdicts that a run under other settings must confirm before they count.

Two ORACLE.md rules need a second run of the same program, which the check step
(``fuel.check``) makes and this module plans and concludes, so that every caller (the
campaign, ``fuel check``, the reducer, replay) gets them:

* **Timeouts under load are not hangs.** A compiled run that timed out is a bug only if
  it times out again alone with ``SLOW_FACTOR`` times the limit; if it then finishes,
  the verdict is that run's (``skipped: slow under load`` when it passes).
* **The precision ladder.** A value mismatch in a program that computes in float16 or
  bfloat16 is re-run with ``torch._inductor.config.emulate_precision_casts = True``. If
  the mismatch disappears, upstream calls it intended behaviour: ``skipped``. If it
  survives, the verdict says so (a note), which makes the report credible.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from fuel.execute.records import CompileOptions, RunResult
from fuel.judge.kinds import Kind, Outcome
from fuel.judge.verdict import Verdict

# A compile that took 32 s alone timed out at 60 s with two workers on two cores: five
# times the campaign's limit leaves room for that, and for a slower machine.
SLOW_FACTOR = 5.0
HALF_PRECISION = ("float16", "bfloat16", "complex32")
VALUE_KINDS = (Kind.NUMERIC_MISMATCH, Kind.NAN_INF_MISMATCH, Kind.MUTATION_MISMATCH)
INTENDED = "disappears with emulate_precision_casts (intended behaviour upstream)"
SURVIVES = "survives torch._inductor.config.emulate_precision_casts = True"
EMULATE = "inductor.emulate_precision_casts"  # as CompileOptions.config names it


class Why(str, enum.Enum):
    SLOW = "slow"  # a timeout, to be confirmed alone with a generous limit
    PRECISION = "precision"  # a half-precision mismatch, to be re-run emulating casts


@dataclass(frozen=True, slots=True)
class Rerun:
    why: Why
    options: CompileOptions
    timeout_s: float | None  # None: the runner's own limit


def rerun_for(
    verdict: Verdict, result: RunResult, options: CompileOptions, timeout_s: float | None
) -> Rerun | None:
    """The second run this verdict needs, or None. ``timeout_s``: the first run's limit
    (None: the runner's default, which the timed-out run's own duration shows)."""
    if not verdict.is_bug:
        return None
    if verdict.kind is Kind.TIMEOUT:
        limit = max(timeout_s or 0.0, result.seconds)
        return Rerun(Why.SLOW, options, SLOW_FACTOR * limit)
    if verdict.kind in VALUE_KINDS and (EMULATE, True) not in options.config:
        dtypes = set(result.probe.dtypes)
        if verdict.numeric is not None:
            dtypes.add(verdict.numeric.dtype)
        if dtypes & set(HALF_PRECISION):
            return Rerun(Why.PRECISION, options.with_config(EMULATE, True), timeout_s)
    return None


def settle(first: Verdict, second: Verdict, rerun: Rerun) -> Verdict:
    """The verdict once the second run is judged."""
    if rerun.why is Why.SLOW:
        return settle_slow(first, second, rerun)
    return settle_precision(first, second)


def settle_slow(first: Verdict, second: Verdict, rerun: Rerun) -> Verdict:
    limit = f"{rerun.timeout_s:.0f} s" if rerun.timeout_s else "a longer limit"
    if second.is_bug and second.kind is Kind.TIMEOUT:
        return _noted(first, f"timed out again when re-run alone with {limit}")
    note = f"timed out under load; re-run alone with {limit}, it finished in {second.seconds:.1f} s"
    if second.outcome in (Outcome.BUG, Outcome.INVALID, Outcome.REJECTED):
        return _noted(second, note)
    return Verdict(Outcome.SKIPPED, kind=Kind.TIMEOUT, detail=f"slow under load: {note}",
                   seconds=first.seconds, phase_seconds=first.phase_seconds,
                   ops=first.ops, notes=(note,))  # fmt: skip


def settle_precision(first: Verdict, second: Verdict) -> Verdict:
    if second.is_bug and second.kind is first.kind:
        return _noted(first, SURVIVES)
    if second.outcome is Outcome.PASS:
        return replace(first, outcome=Outcome.SKIPPED, signature=None,
                       detail=f"{first.detail}; {INTENDED}")  # fmt: skip
    what = f"{second.outcome.value}: {second.detail}" if second.detail else second.outcome.value
    return _noted(first, f"with emulate_precision_casts the run was {what}"[:300])


def _noted(verdict: Verdict, note: str) -> Verdict:
    return replace(verdict, notes=(*verdict.notes, note))
