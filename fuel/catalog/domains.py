"""Value domains: what some operators need of their data to stay defined.

torch's sample inputs say which *shapes* an operator accepts, not which *values* keep
it defined. Integer division by zero, shifts past the bit width, negative integer
exponents and float→int casts of out-of-range values are undefined behaviour (see
ORACLE.md), so a program must never produce them. A guard maps any tensor into its
domain; families attach guards to operator arguments, the catalog's probe applies
them before calling, and the generator renders the same guard in the program
(``fuel.generate.adapters`` keeps a source form of each; a test checks they agree).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

SIGNED_INTS = (torch.int8, torch.int16, torch.int32, torch.int64)
# A float that becomes an integer through an operator stays inside every integer dtype.
CAST_LOW, CAST_HIGH = -100, 100


def is_integral(t: torch.Tensor) -> bool:
    return not t.is_floating_point() and not t.is_complex() and t.dtype is not torch.bool


def nonzero(t: torch.Tensor) -> torch.Tensor:
    """A divisor: never 0, and never -1 (INT_MIN // -1 overflows)."""
    if not is_integral(t):
        return t
    if t.dtype in SIGNED_INTS:
        return t.masked_fill((t == 0) | (t == -1), 1)
    return t.masked_fill(t == 0, 1)


def shift(t: torch.Tensor) -> torch.Tensor:
    """A shift amount: 0 up to the bit width minus one."""
    if not is_integral(t):
        return t
    return t.clamp(0, t.element_size() * 8 - 1)


def small_exponent(t: torch.Tensor) -> torch.Tensor:
    """An integer exponent: integers to negative powers raise, large ones overflow."""
    if not is_integral(t):
        return t
    return t.clamp(0, 3)


def degree(t: torch.Tensor) -> torch.Tensor:
    """A polynomial degree: evaluation loops ``n`` times, so a huge ``n`` hangs eager."""
    if t.is_floating_point():
        return t.nan_to_num(0.0, 0.0, 0.0).clamp(0, 16)
    if is_integral(t):
        return t.clamp(0, 16)
    return t


def ascending(t: torch.Tensor) -> torch.Tensor:
    """A sorted sequence (searchsorted, bucketize): unsorted ones give undefined results."""
    if t.dim() == 0 or t.dtype is torch.bool:
        return t
    return t.sort(dim=-1).values


def finite(t: torch.Tensor) -> torch.Tensor:
    """No NaN or infinity, for operators that raise on them (solvers, eigensolvers)."""
    if not t.is_floating_point():
        return t
    return t.nan_to_num(0.0, 0.0, 0.0)


def castable(t: torch.Tensor) -> torch.Tensor:
    """A float that an operator casts to an integer dtype: finite and in range."""
    if not t.is_floating_point():
        return t
    return t.nan_to_num(0.0, 0.0, 0.0).clamp(CAST_LOW, CAST_HIGH)


def castable_unsigned(t: torch.Tensor) -> torch.Tensor:
    """As :func:`castable`, for casts to uint8: negative floats are out of its range."""
    if not t.is_floating_point():
        return t.clamp(min=0) if is_integral(t) else t
    return t.nan_to_num(0.0, 0.0, 0.0).clamp(0, CAST_HIGH)


def dense(t: torch.Tensor) -> torch.Tensor:
    """Fresh contiguous storage of exactly its elements, for operators such as
    ``as_strided`` that address the storage rather than the tensor."""
    return t.clone(memory_format=torch.contiguous_format)


GUARDS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "dense": dense,
    "nonzero": nonzero,
    "shift": shift,
    "small_exponent": small_exponent,
    "degree": degree,
    "ascending": ascending,
    "finite": finite,
    "castable": castable,
    "castable_unsigned": castable_unsigned,
}


def apply(names: tuple[str, ...], t: torch.Tensor) -> torch.Tensor:
    for name in names:
        t = GUARDS[name](t)
    return t
