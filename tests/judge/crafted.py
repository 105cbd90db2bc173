"""Crafted run results: the judge's decisions tested without any compile."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fuel.execute.records import (
    DiscreteRecheck,
    ExitStatus,
    Failure,
    Frame,
    Labelled,
    Phase,
    Probe,
    RunOutcome,
    RunResult,
)


def outcome(phase: Phase, *outputs: Any, state: dict[str, Any] | None = None) -> RunOutcome:
    labelled = tuple(Labelled(k, v) for k, v in (state or {}).items())
    return RunOutcome(phase, tuple(outputs), f"tuple{len(outputs)}", labelled)


def failed(phase: Phase, failure: Failure) -> RunOutcome:
    return RunOutcome(phase, failure=failure)


def failure(exc_type: str, message: str, *paths: str, cause: Failure | None = None) -> Failure:
    frames = tuple(Frame(p, 10 + i, f"fn{i}") for i, p in enumerate(paths))
    return Failure(exc_type, message, frames, cause)


def result(
    eager: Any,
    compiled: Any,
    reference: Any = None,
    perturbed: Any = None,
    probe: Probe | None = None,
    repeat: Any = None,
    rechecks: tuple[DiscreteRecheck, ...] = (),
    contiguous: Any = None,
    rounded: Any = None,
    rounded_up: Any = None,
) -> RunResult:
    """Each argument: a RunOutcome, a Failure, a tuple of outputs, or one output;
    ``rechecks``: what the discrete re-check phase found; ``contiguous``, ``rounded`` and
    ``rounded_up``: the references for eager's own bugs (None: not run)."""

    def as_outcome(phase: Phase, value: Any) -> RunOutcome | None:
        if value is None:
            return None
        if isinstance(value, RunOutcome):
            return replace(value, phase=phase)
        if isinstance(value, Failure):
            return failed(phase, value)
        values = value if isinstance(value, tuple) else (value,)
        return outcome(phase, *values)

    outcomes = [
        as_outcome(Phase.EAGER, eager),
        as_outcome(Phase.EAGER_REPEAT, eager if repeat is None else repeat),
        as_outcome(Phase.COMPILED, compiled),
        as_outcome(Phase.REFERENCE, reference),
        as_outcome(Phase.PERTURBED, perturbed),
        RunOutcome(Phase.DISCRETE, rechecks=rechecks) if rechecks else None,
        as_outcome(Phase.CONTIGUOUS, contiguous),
        as_outcome(Phase.ROUNDED, rounded),
        as_outcome(Phase.ROUNDED_UP, rounded_up),
    ]
    return RunResult(
        ExitStatus.COMPLETED,
        tuple(o for o in outcomes if o is not None),
        probe=probe or Probe(aten_ops=("aten.mul.Tensor", "aten.add.Tensor")),
    )
