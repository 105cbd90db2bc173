"""Not-a-bug rules from ORACLE.md, applied to one value's mismatch before it is a bug.

A hazard makes only the values computed from it unjudgeable. The probe traces each
hazard to the values it reaches (``Probe.tainted``), so a value is excused only by its
own hazards: an ``argmin`` with ties leaves an ``amin`` beside it judged.

Two cases cannot be localised, and there every hazard the run met applies to every
value, as a global rule: when the probe did not trace values at all (``Probe.traced``
false: a run it could not finish), and when a hazard escaped its tracing
(``Probe.untraced``: a tainted value read into Python by ``.item()`` may steer anything
after it, or an operator the tracing could not follow). A difference in the structure
of the outputs belongs to no one value either.

Each rule is a small function from the evidence to a reason (or None), tried in the
order of ``RULES``. A reason turns the verdict into ``skipped``, so the user still sees
what was filtered and why.
"""

from __future__ import annotations

from collections.abc import Callable

from fuel.execute.records import Hazard, Probe, Taint
from fuel.judge.compare import Mismatch

Rule = Callable[[Mismatch, str, Probe], str | None]


def _names(operators: list[str] | tuple[str, ...]) -> str:
    return ", ".join(dict.fromkeys(operators))


def random_reason(operators: tuple[str, ...] | list[str]) -> str:
    return f"random operators ({_names(operators)}) draw differently when compiled"


def duplicates_reason(operators: tuple[str, ...] | list[str]) -> str:
    return f"{_names(operators)} wrote through duplicate indices: the result is not defined"


def uninitialised_reason(operators: tuple[str, ...] | list[str]) -> str:
    return f"the program calls {operators[0]}, which leaves memory uninitialised"


def ties_reason(operators: tuple[str, ...] | list[str]) -> str:
    return f"ties in {_names(operators)}: the order of equal elements is not defined"


def garbage_reason(operators: tuple[str, ...] | list[str]) -> str:
    return (f"eager's {_names(operators)} returned numbers for NaN inputs (uninitialised "
            "memory in its kernel): the result is not defined")  # fmt: skip


def nan_grid_reason(operators: tuple[str, ...] | list[str]) -> str:
    return (f"{_names(operators)} sampled at NaN grid coordinates, which eager's kernels do "
            "not define (pytorch#24823): the result is not defined")  # fmt: skip


REASONS = {
    Hazard.RANDOM: random_reason,
    Hazard.DUPLICATE_INDICES: duplicates_reason,
    Hazard.UNINITIALISED: uninitialised_reason,
    Hazard.TIES: ties_reason,
    Hazard.EAGER_GARBAGE: garbage_reason,
    Hazard.NAN_GRID: nan_grid_reason,
}


def describe(taints: tuple[Taint, ...]) -> str:
    by_hazard: dict[Hazard, list[str]] = {}
    for taint in taints:
        by_hazard.setdefault(taint.hazard, []).append(taint.operator)
    return "; ".join(REASONS[hazard](ops) for hazard, ops in by_hazard.items())


def localised(probe: Probe) -> bool:
    return probe.traced and not probe.untraced


def traced_hazards(mismatch: Mismatch, where: str, probe: Probe) -> str | None:
    """The hazards the probe traced to this value."""
    if not localised(probe):
        return None
    taints = probe.taints_of(where)
    return describe(taints) if taints else None


def untraced_hazards(mismatch: Mismatch, where: str, probe: Probe) -> str | None:
    """Every hazard of the run, when they cannot be traced to values."""
    if localised(probe):
        return None
    return global_reason(mismatch, probe)


def global_reason(mismatch: Mismatch, probe: Probe) -> str | None:
    reason = None
    if probe.random_ops:
        reason = random_reason(probe.random_ops)
    elif probe.duplicate_index_writes:
        reason = duplicates_reason(probe.duplicate_index_writes)
    elif probe.uninitialised:
        reason = uninitialised_reason(probe.uninitialised)
    elif mismatch.discrete and probe.ties:
        reason = ties_reason(probe.ties)
    if reason and probe.untraced:
        return f"{reason} ({probe.untraced[0]})"
    return reason


RULES: tuple[Rule, ...] = (traced_hazards, untraced_hazards)


def excuse(mismatch: Mismatch, where: str, probe: Probe) -> str | None:
    """The first rule's reason why this value's mismatch is not a compiler bug, or None."""
    for rule in RULES:
        reason = rule(mismatch, where, probe)
        if reason:
            return reason
    return None
