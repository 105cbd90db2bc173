"""Compares what eager and compiled produced, with the float64 reference as arbiter.

Each output (and each input or buffer mutated in place, and each gradient) is checked
for type, dtype, shape, the position of NaN and infinities, and values. The result
is the first :class:`Mismatch`, or None when the compiled run is faithful.

Two measurements keep ill-conditioned programs from raising false alarms: eager's
own error against float64, and a *perturbed* eager run (inputs and weights nudged by
a couple of ulps). Where eager moves when nudged, compiled may move too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from fuel.execute.records import Labelled, RunOutcome
from fuel.judge.tolerance import tolerance_for
from fuel.judge.verdict import Kind, NumericEvidence

UNSIGNED = (torch.uint8, torch.uint16, torch.uint32, torch.uint64)


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: Kind
    detail: str
    evidence: NumericEvidence | None = None
    hazard: str = ""  # why it may not be a bug: undefined behaviour, or no evidence
    discrete: bool = False  # the value is an integer or bool tensor


@dataclass(frozen=True, slots=True)
class Values:
    """One compared value as every run produced it (reference and perturbed may lack)."""

    where: str
    eager: Any
    compiled: Any
    reference: Any = None
    perturbed: Any = None


def compare_runs(
    eager: RunOutcome,
    compiled: RunOutcome,
    reference: RunOutcome | None,
    perturbed: RunOutcome | None,
) -> Mismatch | None:
    if eager.structure != compiled.structure or len(eager.outputs) != len(compiled.outputs):
        return Mismatch(Kind.SHAPE_MISMATCH, "the output structure differs")
    for values in output_values(eager, compiled, reference, perturbed):
        found = compare_values(values)
        if found:
            return found
    for values in labelled_values("state", eager, compiled, reference, perturbed):
        found = compare_values(values)
        if found:
            return Mismatch(Kind.MUTATION_MISMATCH, found.detail, found.evidence, found.hazard)
    for values in labelled_values("grads", eager, compiled, reference, perturbed):
        found = compare_values(values)
        if found:
            return found
    return None


def _ok(outcome: RunOutcome | None) -> RunOutcome | None:
    return outcome if outcome is not None and outcome.ok else None


def output_values(
    eager: RunOutcome, compiled: RunOutcome, ref: RunOutcome | None, pert: RunOutcome | None
) -> list[Values]:
    ref, pert = _ok(ref), _ok(pert)
    return [
        Values(
            f"output[{i}]",
            eager.outputs[i],
            compiled.outputs[i],
            ref.outputs[i] if ref and len(ref.outputs) == len(eager.outputs) else None,
            pert.outputs[i] if pert and len(pert.outputs) == len(eager.outputs) else None,
        )
        for i in range(len(eager.outputs))
    ]


def labelled_values(
    group: str,
    eager: RunOutcome,
    compiled: RunOutcome,
    ref: RunOutcome | None,
    pert: RunOutcome | None,
) -> list[Values]:
    def by_label(outcome: RunOutcome | None) -> dict[str, Any]:
        items: tuple[Labelled, ...] = getattr(outcome, group) if _ok(outcome) else ()
        return {item.label: item.value for item in items}

    e, c, r, p = by_label(eager), by_label(compiled), by_label(ref), by_label(pert)
    return [Values(label, e[label], c.get(label), r.get(label), p.get(label)) for label in e]


def compare_values(v: Values) -> Mismatch | None:
    e, c = v.eager, v.compiled
    if isinstance(e, torch.Tensor) and isinstance(c, torch.Tensor):
        return compare_tensors(v)
    if isinstance(e, torch.Tensor) or isinstance(c, torch.Tensor):
        return Mismatch(
            Kind.SHAPE_MISMATCH, f"{v.where}: eager gave {_kind(e)}, compiled {_kind(c)}"
        )
    if isinstance(e, float) and isinstance(c, float):
        return compare_tensors(
            Values(v.where, torch.tensor(e), torch.tensor(c), _as_tensor(v.reference),
                   _as_tensor(v.perturbed))
        )  # fmt: skip
    if e != c:
        return Mismatch(Kind.NUMERIC_MISMATCH, f"{v.where}: eager gave {e!r}, compiled {c!r}")
    return None


def _as_tensor(value: Any) -> torch.Tensor | None:
    return torch.tensor(value) if isinstance(value, (int, float)) else None


def _kind(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor"
    return f"a {type(value).__name__}"


def compare_tensors(v: Values) -> Mismatch | None:
    e, c = v.eager, v.compiled
    if e.dtype != c.dtype:
        return Mismatch(
            Kind.DTYPE_MISMATCH, f"{v.where}: eager dtype {e.dtype}, compiled {c.dtype}"
        )
    if e.shape != c.shape:
        return Mismatch(
            Kind.SHAPE_MISMATCH, f"{v.where}: eager shape {list(e.shape)}, compiled {list(c.shape)}"
        )
    if e.is_complex():
        real = Values(v.where, torch.view_as_real(e), torch.view_as_real(c),
                      _real_view(v.reference), _real_view(v.perturbed))  # fmt: skip
        return compare_tensors(real)
    if e.is_floating_point():
        return compare_floating(v)
    return compare_discrete(v)


def _real_view(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_complex():
        return torch.view_as_real(value)
    return None


def _same_shape(value: Any, like: torch.Tensor) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor) and value.shape == like.shape:
        return value
    return None


def finite_class(t: torch.Tensor) -> torch.Tensor:
    """0 finite, 1 NaN, 2 +inf, 3 -inf: a code per element."""
    code = torch.zeros(t.shape, dtype=torch.int8)
    code[torch.isnan(t)] = 1
    code[torch.isposinf(t)] = 2
    code[torch.isneginf(t)] = 3
    return code


def compare_floating(v: Values) -> Mismatch | None:
    e, c = v.eager, v.compiled
    ref = _same_shape(v.reference, e)
    pert = _same_shape(v.perturbed, e)
    found = compare_nonfinite(v.where, e, c, ref, pert)
    if found:
        return found
    both_finite = torch.isfinite(e) & torch.isfinite(c)
    e64, c64 = e[both_finite].double(), c[both_finite].double()
    tol = tolerance_for(e.dtype)
    if torch.allclose(c64, e64, rtol=tol.rtol, atol=tol.atol):
        return None
    if ref is None:  # ORACLE.md: without float64 evidence, rounding cannot be ruled out
        evidence = evidence_for(v.where, e, c, None, None, None)
        hazard = "the float64 reference did not run, so rounding cannot be ruled out"
        return Mismatch(Kind.NUMERIC_MISMATCH, f"{v.where}: values differ", evidence, hazard)
    usable = both_finite & torch.isfinite(ref)
    r64 = ref[usable].double()
    eager_error = relative_rms_error(e[usable].double(), r64)
    compiled_error = relative_rms_error(c[usable].double(), r64)
    perturbed_error = relative_rms_error(pert[usable].double(), r64) if pert is not None else 0.0
    allowed = tol.multiplier * max(eager_error, perturbed_error) + tol.floor
    if compiled_error <= allowed:
        return None
    evidence = evidence_for(v.where, e, c, ref, eager_error, compiled_error)
    detail = (
        f"{v.where}: compiled is {compiled_error:.3g} from float64 (relative RMS), "
        f"eager {eager_error:.3g}"
    )
    return Mismatch(Kind.NUMERIC_MISMATCH, detail, evidence)


def compare_nonfinite(
    where: str,
    e: torch.Tensor,
    c: torch.Tensor,
    ref: torch.Tensor | None,
    pert: torch.Tensor | None,
) -> Mismatch | None:
    eager_class, compiled_class = finite_class(e), finite_class(c)
    differs = eager_class != compiled_class
    if not differs.any():
        return None
    if ref is not None:  # where compiled agrees with float64 (cast to the dtype), eager was off
        differs &= compiled_class != finite_class(ref.to(e.dtype))
    if pert is not None:  # where a nudge changes eager's class, the class is not defined
        differs &= finite_class(pert) == eager_class
    if not differs.any():
        return None
    index = tuple(int(i) for i in differs.nonzero()[0])
    evidence = evidence_for(
        where, e, c, ref, None, None, worst=index, mismatched=int(differs.sum())
    )
    detail = f"{where}: eager gave {e[index].item()}, compiled {c[index].item()} at {list(index)}"
    return Mismatch(Kind.NAN_INF_MISMATCH, detail, evidence)


def compare_discrete(v: Values) -> Mismatch | None:
    e, c = v.eager, v.compiled
    differs = e != c
    if not differs.any():
        return None
    for other in (v.reference, v.perturbed):  # a run that moves eager marks a fragile element
        other = _same_shape(other, e)
        if other is not None:
            differs &= other.to(e.dtype) == e
    if not differs.any():
        return None
    evidence = evidence_for(v.where, e, c, _same_shape(v.reference, e), None, None,
                            worst=tuple(int(i) for i in differs.nonzero()[0]),
                            mismatched=int(differs.sum()))  # fmt: skip
    detail = f"{v.where}: {int(differs.sum())} of {e.numel()} {e.dtype} elements differ"
    return Mismatch(Kind.NUMERIC_MISMATCH, detail, evidence, overflow_hazard(e, c, differs), True)


def overflow_hazard(e: torch.Tensor, c: torch.Tensor, differs: torch.Tensor) -> str:
    """Why an integer mismatch may be signed overflow (undefined behaviour), or ''.

    Unsigned types wrap around by definition, so their mismatches are always judged.
    """
    if e.dtype is torch.bool or e.dtype in UNSIGNED:
        return ""
    info = torch.iinfo(e.dtype)
    values = torch.cat([e[differs].long(), c[differs].long()])
    if bool(((values == info.min) | (values == info.max)).any()):
        return f"{e.dtype} values at the type's limits: likely integer overflow"
    gap = (e[differs].long() - c[differs].long()).abs()
    if info.bits < 64 and bool((gap % (1 << info.bits) == 0).all()):
        return f"differences are multiples of 2**{info.bits}: integer wrap-around"
    return ""


def relative_rms_error(x: torch.Tensor, ref: torch.Tensor) -> float:
    if x.numel() == 0:
        return 0.0
    error = torch.sqrt(torch.mean((x - ref) ** 2)).item()
    scale = torch.sqrt(torch.mean(ref**2)).item()
    return float(error / scale) if scale > 0 else float(error)


def evidence_for(
    where: str,
    e: torch.Tensor,
    c: torch.Tensor,
    ref: torch.Tensor | None,
    eager_error: float | None,
    compiled_error: float | None,
    worst: tuple[int, ...] | None = None,
    mismatched: int | None = None,
) -> NumericEvidence:
    e64, c64 = e.double(), c.double()
    finite = torch.isfinite(e64) & torch.isfinite(c64)
    gap = torch.where(finite, (e64 - c64).abs(), torch.zeros_like(e64))
    tol = tolerance_for(e.dtype) if e.is_floating_point() else None
    floor = tol.atol if tol else 1.0
    relative = gap / torch.clamp(e64.abs(), min=floor)
    if worst is None:
        flat = int(gap.reshape(-1).argmax()) if gap.numel() else 0
        worst = (
            tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), e.shape))
            if e.dim()
            else ()
        )
    if mismatched is None:
        close = (
            torch.isclose(c64, e64, rtol=tol.rtol, atol=tol.atol, equal_nan=True) if tol else e == c
        )
        mismatched = int((~close).sum())
    return NumericEvidence(
        where=where,
        dtype=str(e.dtype).replace("torch.", ""),
        shape=tuple(e.shape),
        max_abs_diff=_finite(gap.max().item() if gap.numel() else 0.0),
        max_rel_diff=_finite(relative.max().item() if relative.numel() else 0.0),
        mismatched=mismatched,
        total=e.numel(),
        eager_fp64_error=eager_error,
        compiled_fp64_error=compiled_error,
        worst_index=worst,
        eager_value=_item(e, worst),
        compiled_value=_item(c, worst),
        reference_value=_item(ref, worst) if ref is not None else "",
    )


def _item(t: torch.Tensor, index: tuple[int, ...]) -> str:
    try:
        return repr(t[index].item()) if t.dim() else repr(t.item())
    except (IndexError, RuntimeError):
        return ""


def _finite(x: float) -> float:
    return x if math.isfinite(x) else 1e308
