"""Per-dtype tolerances for numeric judgement.

``rtol``/``atol`` decide when eager and compiled agree outright (torch.testing's
defaults for each dtype). When they do not, the float64 reference decides: the
compiled result is wrong only when its relative RMS error against float64 exceeds
``multiplier`` times eager's own error plus ``floor``. That is the rule of
``torch._dynamo.utils.same`` with ``fp64_ref`` (multiplier 2, or 3 for half types),
measured relative to the reference's RMS so huge values cannot fake a mismatch.
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


TOLERANCES: dict[torch.dtype, Tolerance] = {
    torch.float64: Tolerance(rtol=1e-7, atol=1e-7, multiplier=2.0, floor=1e-9),
    torch.float32: Tolerance(rtol=1.3e-6, atol=1e-5, multiplier=2.0, floor=1e-5),
    torch.float16: Tolerance(rtol=1e-3, atol=1e-5, multiplier=3.0, floor=1e-3),
    torch.bfloat16: Tolerance(rtol=1.6e-2, atol=1e-5, multiplier=3.0, floor=8e-3),
    torch.complex128: Tolerance(rtol=1e-7, atol=1e-7, multiplier=2.0, floor=1e-9),
    torch.complex64: Tolerance(rtol=1.3e-6, atol=1e-5, multiplier=2.0, floor=1e-5),
    torch.complex32: Tolerance(rtol=1e-3, atol=1e-5, multiplier=3.0, floor=1e-3),
}
LOW_PRECISION_FLOAT = Tolerance(rtol=1.25e-1, atol=1e-2, multiplier=3.0, floor=6e-2)  # float8


def tolerance_for(dtype: torch.dtype) -> Tolerance:
    return TOLERANCES.get(dtype, LOW_PRECISION_FLOAT)
