"""The figures of a comparison: error against float64, NaN/inf classes, the evidence.

Pure measurements on tensors; :mod:`fuel.judge.compare` decides what they mean.
"""

from __future__ import annotations

import math

import torch

from fuel.judge.tolerance import tolerance_for
from fuel.judge.verdict import NumericEvidence


def finite_class(t: torch.Tensor) -> torch.Tensor:
    """0 finite, 1 NaN, 2 +inf, 3 -inf: a code per element (of any float dtype)."""
    wide = t.to(torch.float64)
    code = torch.zeros(t.shape, dtype=torch.int8)
    code[torch.isnan(wide)] = 1
    code[torch.isposinf(wide)] = 2
    code[torch.isneginf(wide)] = 3
    return code


def in_dtype(reference: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """The float64 answer as the program's dtype can hold it, read back as float64."""
    return reference.to(dtype).to(torch.float64)


def far_from_reference(e64: torch.Tensor, r64: torch.Tensor, far: float) -> torch.Tensor:
    """Elements where eager is off float64 by more than ``far``, relative to the element
    or, for elements near zero, to the reference's RMS."""
    finite = torch.isfinite(r64) & torch.isfinite(e64)
    if not finite.any():
        return torch.zeros(e64.shape, dtype=torch.bool)
    scale = torch.sqrt(torch.mean(r64[finite] ** 2))
    allowed = far * torch.maximum(r64.abs(), scale)
    return finite & ((e64 - r64).abs() > allowed)


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
    mask: torch.Tensor | None = None,
) -> NumericEvidence:
    """The figures of a mismatch; ``mask``: the elements judged (all when None)."""
    e64, c64 = e.double(), c.double()
    finite = torch.isfinite(e64) & torch.isfinite(c64)
    if mask is not None:
        finite &= mask
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
        if mask is not None:
            close |= ~mask
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
