"""Discrete amplification: when a step in the program, not the compiler, made the gap.

A cast to an integer, ``floor``, a comparison turns two equally good roundings of its
float input into values a whole step apart (ORACLE.md: eager's ``tanh(9.0)`` is
0.99999994, compiled's 1.0; cast to int, 0 against 1). The worker re-checks such values
(:mod:`fuel.execute.lineage`): it recomputes the value eagerly with the float inputs of
the discontinuous operations nudged by a few ulps, and compiles those operations alone
on eager's exact inputs to them. The rule:

* an operation that disagrees with eager on identical inputs is the compiler's error
  (``floor_divide(1.0, 0.1)``: 9 eager, 10 compiled): nothing is excused;
* otherwise, the elements where a nudged recomputation gives compiled's value are
  explained by the step and are not judged; the rest of the value still is.
"""

from __future__ import annotations

import torch

from fuel.execute.records import DiscreteRecheck, Phase, RunResult
from fuel.judge.compare import Values
from fuel.judge.tolerance import tolerance_for


def rechecks_of(result: RunResult) -> dict[str, DiscreteRecheck]:
    outcome = result.outcome(Phase.DISCRETE)
    if outcome is None or not outcome.ok:
        return {}
    return {recheck.where: recheck for recheck in outcome.rechecks}


def explained(values: Values, recheck: DiscreteRecheck) -> torch.Tensor | None:
    """The elements where compiled differs from eager and a nudged eager recomputation
    gives compiled's value; None when the re-check excuses nothing."""
    sides = agreeing_sides(values, recheck)
    if sides is None:
        return None
    e, c, nearest = sides
    if not (e.shape == c.shape == nearest.shape and e.dtype == c.dtype == nearest.dtype):
        return None
    return matches(nearest, c) & ~matches(e, c)


def explains_whole(values: Values, recheck: DiscreteRecheck) -> bool:
    """A value whose number of elements differs (a step upstream of ``unique``,
    ``nonzero``): one nudged eager recomputation gives all of compiled's value, and the
    discontinuous operations agree with eager on identical inputs."""
    sides = agreeing_sides(values, recheck)
    if sides is None:
        return False
    e, c, nearest = sides
    if e.shape == c.shape or nearest.shape != c.shape or nearest.dtype != c.dtype:
        return False
    return bool(matches(nearest, c).all())


def agreeing_sides(
    values: Values, recheck: DiscreteRecheck
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None:
    """Eager's, compiled's and the nudged value, when all are tensors and the
    discontinuous operations, compiled alone, agreed with eager (None otherwise)."""
    if recheck.disagreeing is None or recheck.disagreeing:  # None: nothing was compiled
        return None
    e, c, nearest = values.eager, values.compiled, recheck.nearest
    if not all(isinstance(t, torch.Tensor) for t in (e, c, nearest)):
        return None
    return e, c, nearest


def matches(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Element-wise: equal for integers and booleans, close in the dtype for floats."""
    if not (a.is_floating_point() or a.is_complex()):
        return a == b
    tol = tolerance_for(a.dtype)
    wide = torch.complex128 if a.is_complex() else torch.float64
    return torch.isclose(a.to(wide), b.to(wide), rtol=tol.rtol, atol=tol.atol, equal_nan=True)


def describe(recheck: DiscreteRecheck) -> str:
    names = ", ".join(recheck.operators) or "a discontinuous operation"
    return (
        f"discrete amplification: {names} turn(s) a rounding difference in the float "
        "inputs into a step, and agree(s) with eager when given eager's inputs"
    )


def disagreement(recheck: DiscreteRecheck | None) -> str:
    """What a bug's detail says when a discontinuous operation itself disagrees."""
    if recheck is None or not recheck.disagreeing:
        return ""
    return f"{', '.join(recheck.disagreeing)} differs from eager on identical inputs"
