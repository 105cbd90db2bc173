"""The float64 computation of integer-valued operations, rounded as torch specifies them.

An operation that takes an integer tensor, computes in floating point and returns the
integer dtype (bilinear interpolation of a ``uint8`` image) cannot be checked by the
float64 reference: that reference widens floats only, so it runs eager's own integer
kernel again. What the operation should return is written down in torch's own
decompositions, the reference implementations Inductor compiles:

* ``torch/_decomp/decompositions.py``, ``_upsample_linear`` (``upsample_linear1d``,
  ``upsample_bilinear2d``, ``upsample_trilinear3d``): an integer input is computed in
  its floating "opmath" type (``pw_cast_for_opmath``, type promotion ``INT_TO_FLOAT``)
  and ``if not input.is_floating_point(): result = result.round()`` before the cast
  back: the real-valued interpolation, rounded once to the nearest integer. A linear
  interpolation of values in the dtype's range stays in it, so the cast saturates
  nothing; clamping to the dtype's range here only makes that explicit.

Left out on purpose: ``upsample_bicubic2d`` on ``uint8`` is specified (the same file,
``upsample_bicubic2d_default``) as int16 fixed-point weights with a rounding after each
of its two passes, exactly as eager's kernel; the antialiased variants
(``_upsample_*_aa``) are not decomposed, so compiled runs eager's kernel. For neither is
"float64, rounded once" what torch specifies.

Ties: where the exact value is a half (frequent: interpolation weights are simple
fractions), the specification's float32 arithmetic lands on either side of it, so
both neighbours are the operation rounded correctly. :class:`RoundedFloat64` therefore
rounds values within ``TIE`` of a half one way per run (``up`` False or True); the two
runs bracket the correct answers. ``TIE`` is 2**-8: float32 bilinear interpolation of
``uint8`` images was measured up to 7.2e-4 from float64 (300 random sizes and scales,
both ``align_corners``), and the value must be a different number than a half by more
than that before one side is wrong.

The class is self-contained (torch and the standard library only): a bug's repro
embeds its source, so that the check a maintainer runs is this one.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode


class RoundedFloat64(TorchDispatchMode):
    """Computes each operation of ``OPERATORS`` whose first argument is an integer tensor
    in float64, and rounds the result to the nearest integer of that dtype; values
    within ``TIE`` of a half go down, or up with ``up=True``. Everything else runs as is.
    ``rounded`` counts the calls it computed; ``near_ties`` the values it met near a half."""

    OPERATORS = ("upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d")
    TIE = 2.0**-8

    def __init__(self, up: bool = False) -> None:
        super().__init__()
        self.up = up
        self.rounded = 0
        self.near_ties = 0

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        source = args[0] if args else None
        if not isinstance(source, torch.Tensor) or not self.computes(func, source):
            return func(*args, **kwargs)
        exact = func(source.to(torch.float64), *args[1:], **kwargs)
        down = torch.ceil(exact - 0.5 - self.TIE)
        up = torch.floor(exact + 0.5 + self.TIE)
        self.rounded += 1
        self.near_ties += int((down != up).sum())
        info = torch.iinfo(source.dtype)
        return (up if self.up else down).clamp(info.min, info.max).to(source.dtype)

    def computes(self, func: Any, source: torch.Tensor) -> bool:
        """Is this a call of one of ``OPERATORS`` on an integer tensor?"""
        if source.is_floating_point() or source.is_complex() or source.dtype is torch.bool:
            return False
        return bool(func.overloadpacket.__name__ in self.OPERATORS)
