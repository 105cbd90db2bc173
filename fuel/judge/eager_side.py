"""Eager's own bugs: where eager, not the compiler, is the broken side.

The float64 reference cannot say so when the program is already float64 or integer:
``model.double()`` then reruns eager's own kernels and agrees with eager. Two other
references can; the worker runs them only when eager and compiled differ
(:func:`fuel.execute.runner.run_eager_checks`), and this module reads them:

* **Layout** (``Phase.CONTIGUOUS``): eager again on contiguous copies of every input,
  parameter and buffer. A correct kernel's answer does not depend on the layout beyond
  rounding. Where eager's result moves by more than the dtype's tolerance (the one that
  decides whether eager and compiled agree) and compiled agrees with the contiguous
  run, one of eager's kernels is off: compiled gives eager's own answer for another
  layout, and the value is not compiled's to answer for (not judged for a value
  downstream of a discontinuous step, which turns a rounding difference into a whole
  step). Torch 2.13's ``native_group_norm`` read a strided weight's storage as if it
  were contiguous. Only a value the float64 rule already flagged is looked at.
* **Rounding** (``Phase.ROUNDED``, ``Phase.ROUNDED_UP``): integer-valued operations
  computed in float64 and rounded as torch specifies them (:mod:`fuel.execute.rounding`),
  near-ties both ways. Where compiled is a correct rounding and eager is neither, eager
  rounds wrongly (eager's ``uint8`` bilinear interpolation rounds after each of its two
  passes); where both are, the value sat on a tie that either side may round: no one's bug.

Elements so explained are set aside; the rest of the value is still judged as usual,
and a compile bug anywhere in the test outranks an eager bug (:mod:`fuel.judge.judge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from fuel.execute.records import Phase, RunOutcome, RunResult
from fuel.judge.compare import Values, numeric
from fuel.judge.discrete import matches
from fuel.judge.kinds import Kind, Outcome, Stage
from fuel.judge.measure import evidence_for
from fuel.judge.signature import numeric_signature, operator_names, value_category
from fuel.judge.verdict import Verdict

LAYOUT = "eager's result changes when its inputs, parameters and buffers are made contiguous"
ROUNDING = "eager's integer operation is not the float64 computation rounded as torch specifies"
TIE = "a tie: the float64 value lies on a half, which either side may round (not a bug)"
AGREES = {
    Kind.EAGER_LAYOUT: "compiled agrees with eager on contiguous copies",
    Kind.EAGER_ROUNDING: "compiled is the float64 computation rounded",
}


@dataclass(frozen=True, slots=True)
class References:
    """Each compared value as the eager-bug references computed it (empty: not run)."""

    contiguous: dict[str, Any]
    rounded: dict[str, Any]
    rounded_up: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Finding:
    """What the references say about one value: the elements where eager is wrong and
    compiled right, those no side answers for (eager's, and ties), and what eager should
    have given."""

    kind: Kind
    wrong: torch.Tensor
    settled: torch.Tensor
    reference: torch.Tensor

    @property
    def detail(self) -> str:
        return f"{LAYOUT if self.kind is Kind.EAGER_LAYOUT else ROUNDING}; {AGREES[self.kind]}"


def references_of(result: RunResult) -> References:
    def values(phase: Phase) -> dict[str, Any]:
        outcome: RunOutcome | None = result.outcome(phase)
        return outcome.values() if outcome is not None and outcome.ok else {}

    rounded = values(Phase.ROUNDED)
    up = values(Phase.ROUNDED_UP) or rounded  # not run: no value sat near a half
    return References(values(Phase.CONTIGUOUS), rounded, up)


def finding(values: Values, refs: References, after_step: bool) -> Finding | None:
    """Eager's part in this value's mismatch, or None when the references show none;
    ``after_step``: the value lies downstream of a discontinuous operation."""
    e, c = values.eager, _like(values.compiled, values.eager)
    if c is None or not (refs.contiguous or refs.rounded):
        return None
    differs = ~matches(e, c)
    contiguous = _like(refs.contiguous.get(values.where), e)
    if contiguous is not None and not after_step:
        wrong = _layout(e, c, contiguous) & differs
        if wrong.any():
            return Finding(Kind.EAGER_LAYOUT, wrong, wrong, contiguous)
    low = _like(refs.rounded.get(values.where), e)
    high = _like(refs.rounded_up.get(values.where), e)
    if low is None or high is None:
        return None
    compiled_right = matches(c, low) | matches(c, high)
    eager_right = matches(e, low) | matches(e, high)
    settled = differs & compiled_right
    if not settled.any():
        return None
    reference = torch.where(matches(c, high), high, low)
    return Finding(Kind.EAGER_ROUNDING, settled & ~eager_right, settled, reference)


def _like(value: Any, like: Any) -> torch.Tensor | None:
    """``value`` when it is a real tensor of ``like``'s shape and dtype, else None."""
    if not (isinstance(value, torch.Tensor) and isinstance(like, torch.Tensor)):
        return None
    same = value.shape == like.shape and value.dtype == like.dtype
    return value if same and not value.is_complex() and numeric(value.dtype) else None


def _layout(e: torch.Tensor, c: torch.Tensor, contiguous: torch.Tensor) -> torch.Tensor:
    """Where eager moves with layout beyond the dtype's tolerance and compiled agrees with
    the contiguous run."""
    return ~matches(e, contiguous) & matches(c, contiguous)


def verdict_of(values: Values, found: Finding, aten_ops: tuple[str, ...]) -> Verdict:
    """The eager bug this value shows: eager wrong at ``found.wrong``, compiled right."""
    e, c = values.eager, values.compiled
    evidence = evidence_for(values.where, e, c, found.reference, None, None, mask=found.wrong)
    count = int(found.wrong.sum())
    detail = f"{values.where}: eager is wrong at {count} of {e.numel()} elements: {found.detail}"
    signature = numeric_signature(found.kind, evidence.dtype, operator_names(aten_ops),
                                  value_category(values.where))  # fmt: skip
    return Verdict(Outcome.BUG, kind=found.kind, stage=Stage.EAGER, detail=detail,
                   signature=signature, numeric=evidence)  # fmt: skip
