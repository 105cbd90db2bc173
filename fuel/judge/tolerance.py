"""Per-dtype tolerances for numeric judgement, and PyTorch's own rule.

``rtol``/``atol`` decide when eager and compiled agree outright (torch.testing's
defaults for each dtype). When they do not, the float64 reference decides: the
compiled result is wrong when its relative RMS error against float64 exceeds
``multiplier`` times eager's own error plus ``floor``, measured relative to the
reference's RMS so that huge values cannot fake a mismatch.

PyTorch's rule outranks that one (ORACLE.md): ``torch._dynamo.utils.same(ref, res,
fp64_ref)`` with its defaults, mirrored by :func:`same_multiplier` and the ``SAME_*``
constants (torch 2.13, ``torch/_dynamo/utils.py``): eager and compiled agree outright
within ``allclose(atol=rtol=1e-4)``; otherwise compiled fails when its absolute RMS
error against float64 exceeds the multiplier times eager's plus ``1e-4 / 10``. The
multiplier is 3 for float16/bfloat16 results, for references of fewer than 1000
elements and for 4-d results ending in 1×1; 2 otherwise. Whatever that rule flags is a
bug unless ORACLE.md names a reason; fuel's own rule may flag more, never less. Where
``same()`` is looser than ORACLE.md, ORACLE.md wins: integers and booleans must be
equal exactly (``same()``'s allclose lets 20000 and 20001 pass), NaN in the same place
is agreement (``same()`` fails any tensor holding a NaN), and complex values are judged
as pairs of reals against complex128 (``same()`` skips its float64 rule for them).

``far`` is the relative distance from float64 beyond which eager itself is judged
broken at an element (an eager kernel returning garbage, or an unstable program):
such elements cannot be judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True, slots=True)
class Tolerance:
    rtol: float
    atol: float
    multiplier: float
    floor: float
    far: float = 1e-2


TOLERANCES: dict[torch.dtype, Tolerance] = {
    torch.float64: Tolerance(rtol=1e-7, atol=1e-7, multiplier=2.0, floor=1e-9),
    torch.float32: Tolerance(rtol=1.3e-6, atol=1e-5, multiplier=2.0, floor=1e-5),
    torch.float16: Tolerance(rtol=1e-3, atol=1e-5, multiplier=3.0, floor=1e-3, far=6e-2),
    torch.bfloat16: Tolerance(rtol=1.6e-2, atol=1e-5, multiplier=3.0, floor=8e-3, far=0.25),
    torch.complex128: Tolerance(rtol=1e-7, atol=1e-7, multiplier=2.0, floor=1e-9),
    torch.complex64: Tolerance(rtol=1.3e-6, atol=1e-5, multiplier=2.0, floor=1e-5),
    torch.complex32: Tolerance(rtol=1e-3, atol=1e-5, multiplier=3.0, floor=1e-3, far=6e-2),
}
# float8 (all variants) and anything narrower
LOW_PRECISION_FLOAT = Tolerance(rtol=1.25e-1, atol=1e-2, multiplier=3.0, floor=6e-2, far=2.0)

SAME_TOL = 1e-4  # same()'s default ``tol``: its allclose tolerances, and tol / 10 floor
SAME_HALF = (torch.float16, torch.bfloat16)
SAME_SMALL_NUMEL = 1000


def tolerance_for(dtype: torch.dtype) -> Tolerance:
    return TOLERANCES.get(dtype, LOW_PRECISION_FLOAT)


def same_multiplier(dtype: torch.dtype, shape: tuple[int, ...]) -> float:
    """``same()``'s multiplier for a result of this dtype and shape (its defaults:
    no ``force_max_multiplier``, no larger multiplier for small tensors)."""
    numel = 1
    for size in shape:
        numel *= size
    if dtype in SAME_HALF:
        return 3.0
    one_by_one = len(shape) == 4 and shape[-1] == shape[-2] == 1
    return 3.0 if numel < SAME_SMALL_NUMEL or one_by_one else 2.0
