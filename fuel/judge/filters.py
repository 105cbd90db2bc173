"""Not-a-bug rules from ORACLE.md, applied to a mismatch before it becomes a bug.

Each rule is a small function from the evidence to a reason (or None); the judge
tries them in the order of ``RULES``. A reason turns the verdict into ``skipped``, so
the user still sees what was filtered and why.
"""

from __future__ import annotations

from collections.abc import Callable

from fuel.execute.records import Probe
from fuel.judge.compare import Mismatch

Rule = Callable[[Mismatch, Probe], str | None]


def random_operators(mismatch: Mismatch, probe: Probe) -> str | None:
    if probe.random_ops:
        return f"random operators ({', '.join(probe.random_ops)}) draw differently when compiled"
    return None


def duplicate_index_writes(mismatch: Mismatch, probe: Probe) -> str | None:
    if probe.duplicate_index_writes:
        names = ", ".join(probe.duplicate_index_writes)
        return f"{names} wrote through duplicate indices: the result is not defined"
    return None


def uninitialised_memory(mismatch: Mismatch, probe: Probe) -> str | None:
    if probe.uninitialised:
        return f"the program calls {probe.uninitialised[0]}, which leaves memory uninitialised"
    return None


def order_ties(mismatch: Mismatch, probe: Probe) -> str | None:
    if mismatch.discrete and probe.ties:
        return f"ties in {', '.join(probe.ties)}: the order of equal elements is not defined"
    return None


def comparison_hazard(mismatch: Mismatch, probe: Probe) -> str | None:
    """What the comparison itself found suspect: signed overflow, no float64 evidence."""
    return mismatch.hazard or None


RULES: tuple[Rule, ...] = (
    random_operators,
    duplicate_index_writes,
    uninitialised_memory,
    order_ties,
    comparison_hazard,
)


def excuse(mismatch: Mismatch, probe: Probe) -> str | None:
    """The first rule's reason why this mismatch is not a compiler bug, or None."""
    for rule in RULES:
        reason = rule(mismatch, probe)
        if reason:
            return reason
    return None
