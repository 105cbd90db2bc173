"""Compares what eager and compiled produced, one value at a time, float64 as arbiter.

Each output (and each input or buffer mutated in place, and each gradient) is checked
for type, dtype, shape, the position of NaN and infinities, and values; every dtype
torch has is compared (float8 and complex32 in a wider dtype, opaque bit types by their
bytes). :func:`compare_values` returns the value's :class:`Mismatch`, or None.

A float value is wrong when ``torch._dynamo.utils.same`` with the float64 reference
flags it (``tolerance`` mirrors that rule), or when fuel's own, stricter relative rule
does. Two measurements cannot dismiss what ``same()`` flags, only lower its rank (the
mismatch's ``note``): a *perturbed* eager run (inputs nudged by a couple of ulps) that
moves as much as compiled, and NaN/inf positions that move when nudged. Where eager
itself is far from float64 (its own kernel is broken there, or the program is unstable),
or disagrees with it on NaN/inf or an integer, the element cannot be judged; where
compiled agrees with float64 and eager does not, compiled is right.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

import torch

from fuel.execute.records import RunOutcome
from fuel.judge.measure import (
    evidence_for,
    far_from_reference,
    finite_class,
    in_dtype,
    relative_rms_error,
)
from fuel.judge.tolerance import SAME_TOL, same_multiplier, tolerance_for
from fuel.judge.verdict import Kind, NumericEvidence

UNSIGNED = (torch.uint8, torch.uint16, torch.uint32, torch.uint64)
STATE_PREFIXES = ("input[", "buffer:", "param:")
EAGER_BROKEN = "eager itself is far from float64 where they differ (its own kernel, or an " \
    "unstable program): those elements cannot be judged"  # fmt: skip
ILL_CONDITIONED = "ill-conditioned: eager moves as much when its inputs are nudged by two ulps"


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: Kind
    detail: str
    evidence: NumericEvidence | None = None
    hazard: str = ""  # why it may not be a bug: undefined behaviour, no evidence
    discrete: bool = False  # the value is an integer or bool tensor
    note: str = ""  # evidence that lowers the report's rank but does not dismiss it


@dataclass(frozen=True, slots=True)
class Values:
    """One compared value as every run produced it (reference and perturbed may lack)."""

    where: str
    eager: Any
    compiled: Any
    reference: Any = None
    perturbed: Any = None


def compare_structure(eager: RunOutcome, compiled: RunOutcome) -> Mismatch | None:
    if eager.structure != compiled.structure or len(eager.outputs) != len(compiled.outputs):
        return Mismatch(Kind.SHAPE_MISMATCH, "the output structure differs")
    return None


def values_of(
    eager: RunOutcome,
    compiled: RunOutcome,
    reference: RunOutcome | None,
    perturbed: RunOutcome | None,
) -> list[Values]:
    """Every value to compare, in order: outputs, state after the run, gradients."""
    c, r, p = compiled.values(), _usable(reference, eager), _usable(perturbed, eager)
    return [
        Values(where, value, c.get(where), r.get(where), p.get(where))
        for where, value in eager.values().items()
    ]


def _usable(other: RunOutcome | None, eager: RunOutcome) -> dict[str, Any]:
    if other is None or not other.ok:
        return {}
    found = other.values()
    if len(other.outputs) != len(eager.outputs):  # outputs of another structure say nothing
        return {k: v for k, v in found.items() if not k.startswith("output[")}
    return found


def compare_values(v: Values, exclude: torch.Tensor | None = None) -> Mismatch | None:
    """The value's mismatch, judging only the elements not in ``exclude``."""
    found = _compare(v, exclude)
    if found is not None and v.where.startswith(STATE_PREFIXES):
        return replace(found, kind=Kind.MUTATION_MISMATCH)
    return found


def _compare(v: Values, exclude: torch.Tensor | None) -> Mismatch | None:
    e, c = v.eager, v.compiled
    if isinstance(e, torch.Tensor) and isinstance(c, torch.Tensor):
        return compare_tensors(v, exclude)
    if isinstance(e, torch.Tensor) or isinstance(c, torch.Tensor):
        return Mismatch(
            Kind.SHAPE_MISMATCH, f"{v.where}: eager gave {_kind(e)}, compiled {_kind(c)}"
        )
    if isinstance(e, float) and isinstance(c, float):
        return compare_tensors(
            Values(v.where, torch.tensor(e), torch.tensor(c), _as_tensor(v.reference),
                   _as_tensor(v.perturbed)), None,
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


def compare_tensors(v: Values, exclude: torch.Tensor | None) -> Mismatch | None:
    e, c = v.eager, v.compiled
    if e.dtype != c.dtype:
        return Mismatch(
            Kind.DTYPE_MISMATCH, f"{v.where}: eager dtype {e.dtype}, compiled {c.dtype}"
        )
    if e.shape != c.shape:
        return Mismatch(
            Kind.SHAPE_MISMATCH, f"{v.where}: eager shape {list(e.shape)}, compiled {list(c.shape)}"
        )
    if e.is_complex():  # judged as pairs of reals; complex32 becomes float16 pairs
        pairs = None if exclude is None else exclude.unsqueeze(-1).expand(*e.shape, 2)
        real = Values(v.where, torch.view_as_real(e), torch.view_as_real(c),
                      _real_view(v.reference, e), _real_view(v.perturbed, e))  # fmt: skip
        return compare_tensors(real, pairs)
    if e.is_floating_point() and numeric(e.dtype):
        return compare_floating(v, exclude)
    if e.is_floating_point() or not numeric(e.dtype):
        return compare_opaque(v, exclude)
    return compare_discrete(v, exclude)


@functools.cache
def numeric(dtype: torch.dtype) -> bool:
    """Can the judge read this dtype's elements as numbers (not: packed float4, bits)?"""
    try:
        torch.zeros(1, dtype=dtype).to(torch.float64)
    except (RuntimeError, TypeError, NotImplementedError):
        return False
    return True


def _real_view(value: Any, like: torch.Tensor) -> Any:
    if isinstance(value, torch.Tensor) and value.is_complex() and value.shape == like.shape:
        return torch.view_as_real(value)
    return None


def _same_shape(value: Any, like: torch.Tensor) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor) and value.shape == like.shape and not value.is_complex():
        return value
    return None


def _judged(e: torch.Tensor, exclude: torch.Tensor | None) -> torch.Tensor:
    return torch.ones(e.shape, dtype=torch.bool) if exclude is None else ~exclude


def compare_floating(v: Values, exclude: torch.Tensor | None) -> Mismatch | None:
    e, c = v.eager, v.compiled
    ref, pert = _same_shape(v.reference, e), _same_shape(v.perturbed, e)
    judged = _judged(e, exclude)
    classes = compare_nonfinite(v.where, e, c, ref, pert, judged)
    if classes is not None and not classes.hazard:
        return classes
    values = compare_finite(v, judged)  # NaN/inf only eager's broken kernel made: go on
    return values if values is not None and not values.hazard else classes or values


def compare_finite(v: Values, judged: torch.Tensor) -> Mismatch | None:
    """The elements finite in both runs: against float64, by same() and fuel's rule."""
    e, c, ref = v.eager, v.compiled, _same_shape(v.reference, v.eager)
    exclude = None if bool(judged.all()) else ~judged
    e64, c64 = e.to(torch.float64), c.to(torch.float64)
    finite = torch.isfinite(e64) & torch.isfinite(c64) & judged
    tol = tolerance_for(e.dtype)
    if ref is None:  # ORACLE.md: without float64 evidence, rounding cannot be ruled out
        if torch.allclose(c64[finite], e64[finite], rtol=tol.rtol, atol=tol.atol):
            return None
        evidence = evidence_for(v.where, e, c, None, None, None, mask=_partial(finite, exclude))
        hazard = "the float64 reference did not run, so rounding cannot be ruled out"
        return Mismatch(Kind.NUMERIC_MISMATCH, f"{v.where}: values differ", evidence, hazard)
    usable = finite & torch.isfinite(ref.to(torch.float64))
    # Where eager is far from float64 it cannot be the yardstick, and its error there
    # must not inflate the allowance for compiled's errors elsewhere: set those aside.
    broken = usable & far_from_reference(e64, ref.to(torch.float64), tol.far)
    partial = exclude is not None or bool(broken.any())
    found = judge_floats(v, usable & ~broken, partial)
    if found is not None or not broken.any():
        return found
    r64 = ref.to(torch.float64)
    worse = (c64 - r64).abs() > (e64 - r64).abs()  # where compiled is nearer, nothing to see
    differs = broken & worse & ~torch.isclose(c64, e64, rtol=tol.rtol, atol=tol.atol)
    if not differs.any():
        return None
    evidence = evidence_for(v.where, e, c, ref, None, None, mask=broken)
    detail = f"{v.where}: values differ where eager is far from float64"
    return Mismatch(Kind.NUMERIC_MISMATCH, detail, evidence, EAGER_BROKEN)


def _partial(mask: torch.Tensor, exclude: torch.Tensor | None) -> torch.Tensor | None:
    return mask if exclude is not None else None


def judge_floats(v: Values, mask: torch.Tensor, partial: bool) -> Mismatch | None:
    """Judge the elements in ``mask`` (finite in eager, compiled and float64)."""
    e, c, ref = v.eager, v.compiled, _same_shape(v.reference, v.eager)
    assert ref is not None
    e64, c64, r64 = (t.to(torch.float64)[mask] for t in (e, c, ref))
    tol = tolerance_for(e.dtype)
    if torch.allclose(c64, e64, rtol=tol.rtol, atol=tol.atol):
        return None
    eager_error = relative_rms_error(e64, r64)
    compiled_error = relative_rms_error(c64, r64)
    flagged_by_same = same_flags(e64, c64, r64, e.dtype, tuple(e.shape))
    if not flagged_by_same and compiled_error <= tol.multiplier * eager_error + tol.floor:
        return None
    note = ""
    pert = _same_shape(v.perturbed, e)
    if pert is not None:
        p64 = pert.to(torch.float64)[mask]
        moved = torch.isfinite(p64).all() and compiled_error <= (
            tol.multiplier * max(eager_error, relative_rms_error(p64, r64)) + tol.floor
        )
        if moved:
            exact = eager_exact_where_compiled_differs(e64, c64, r64, e.dtype)
            if not flagged_by_same and not exact:  # conditioning excuses only fuel's own rule
                return None
            note = ILL_CONDITIONED
    evidence = evidence_for(v.where, e, c, ref, eager_error, compiled_error,
                            mask=mask if partial else None)  # fmt: skip
    detail = (
        f"{v.where}: compiled is {compiled_error:.3g} from float64 (relative RMS), "
        f"eager {eager_error:.3g}"
    )
    return Mismatch(Kind.NUMERIC_MISMATCH, detail, evidence, note=note)


def same_flags(
    e64: torch.Tensor, c64: torch.Tensor, r64: torch.Tensor, dtype: torch.dtype,
    shape: tuple[int, ...],
) -> bool:  # fmt: skip
    """Would ``torch._dynamo.utils.same(eager, compiled, fp64_ref)`` fail these elements?"""
    if e64.numel() == 0 or torch.allclose(e64, c64, rtol=SAME_TOL, atol=SAME_TOL):
        return False
    eager_error = torch.sqrt(torch.mean((r64 - e64) ** 2)).item()
    compiled_error = torch.sqrt(torch.mean((r64 - c64) ** 2)).item()
    return not compiled_error <= same_multiplier(dtype, shape) * eager_error + SAME_TOL / 10


def eager_exact_where_compiled_differs(
    e64: torch.Tensor, c64: torch.Tensor, r64: torch.Tensor, dtype: torch.dtype
) -> bool:
    """Where the two differ, is eager exactly the float64 answer (in the dtype) and
    compiled not? Then no measure of conditioning excuses compiled (ORACLE.md)."""
    tol = tolerance_for(dtype)
    differs = ~torch.isclose(c64, e64, rtol=tol.rtol, atol=tol.atol)
    answer = in_dtype(r64[differs], dtype)
    return bool((e64[differs] == answer).all() and (c64[differs] != answer).any())


def compare_nonfinite(
    where: str,
    e: torch.Tensor,
    c: torch.Tensor,
    ref: torch.Tensor | None,
    pert: torch.Tensor | None,
    judged: torch.Tensor,
) -> Mismatch | None:
    eager_class, compiled_class = finite_class(e), finite_class(c)
    differs = (eager_class != compiled_class) & judged
    if not differs.any():
        return None
    hazard = ""
    if ref is not None:  # where compiled agrees with float64 (cast to the dtype), eager was off
        r64 = ref.to(torch.float64)
        ref_class = finite_class(in_dtype(r64, e.dtype))
        differs &= compiled_class != ref_class
        far = far_from_reference(e.to(torch.float64), r64, tolerance_for(e.dtype).far)
        broken = differs & ((eager_class != ref_class) | far)
        if (differs & ~broken).any():
            differs &= ~broken
        elif differs.any():
            hazard = EAGER_BROKEN
    if not differs.any():
        return None
    note = ""
    if pert is not None and (finite_class(pert) != eager_class)[differs].any():
        note = "eager's NaN/inf positions move when its inputs are nudged by two ulps"
    index = tuple(int(i) for i in differs.nonzero()[0])
    evidence = evidence_for(
        where, e, c, ref, None, None, worst=index, mismatched=int(differs.sum())
    )
    detail = f"{where}: eager gave {e[index].item()}, compiled {c[index].item()} at {list(index)}"
    return Mismatch(Kind.NAN_INF_MISMATCH, detail, evidence, hazard, note=note)


def compare_discrete(v: Values, exclude: torch.Tensor | None) -> Mismatch | None:
    e, c = v.eager, v.compiled
    differs = (e != c) & _judged(e, exclude)
    if not differs.any():
        return None
    ref = _same_shape(v.reference, e)
    hazard = ""
    if ref is not None:  # the float64 program's answer, exact for integers
        answer = ref.to(e.dtype)
        differs &= c != answer  # where compiled gives it, compiled is right
        broken = differs & (e != answer)
        if (differs & ~broken).any():
            differs &= ~broken
        elif differs.any():
            hazard = "eager differs from the float64 program where they differ: cannot be judged"
    if not differs.any():
        return None
    pert = _same_shape(v.perturbed, e)
    note = ""
    if pert is not None and (pert.to(e.dtype) != e)[differs].any():
        note = "the value moves when the inputs are nudged by two ulps"
    evidence = evidence_for(v.where, e, c, ref, None, None,
                            worst=tuple(int(i) for i in differs.nonzero()[0]),
                            mismatched=int(differs.sum()))  # fmt: skip
    detail = f"{v.where}: {int(differs.sum())} of {e.numel()} {e.dtype} elements differ"
    hazard = hazard or overflow_hazard(e, c, differs)
    return Mismatch(Kind.NUMERIC_MISMATCH, detail, evidence, hazard, True, note)


def compare_opaque(v: Values, exclude: torch.Tensor | None) -> Mismatch | None:
    """Types torch cannot read as numbers (packed float4, bits): equal bytes or unjudged."""
    e, c = v.eager, v.compiled
    if torch.equal(_bytes(e), _bytes(c)):
        return None
    detail = f"{v.where}: the bytes of the {e.dtype} values differ"
    hazard = f"{e.dtype} values cannot be compared as numbers in torch {torch.__version__}"
    return Mismatch(Kind.NUMERIC_MISMATCH, detail, None, hazard)


def _bytes(t: torch.Tensor) -> torch.Tensor:
    flat = t.contiguous().reshape(-1)
    return flat.view(torch.uint8) if flat.numel() else torch.zeros(0, dtype=torch.uint8)


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
