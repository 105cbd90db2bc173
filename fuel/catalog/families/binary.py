"""Binary elementwise operators (BinaryUfuncInfo): arithmetic with type promotion and
rounding modes, comparisons, bitwise operators, shifts, powers.

Integer division by zero, shifts past the bit width and integers raised to negative
powers are undefined or raise, so their second argument is guarded; so is the degree
of the special polynomials, which eager evaluates in a loop of that many steps.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.families._claims import info_class
from fuel.catalog.registry import Family, family
from fuel.catalog.spec import Guard

DIVISOR = (Guard("0", "nonzero"), Guard("other", "nonzero"))
SHIFT = (Guard("0", "shift"), Guard("other", "shift"))
EXPONENT = (Guard("0", "small_exponent"), Guard("exponent", "small_exponent"))
DEGREE = (Guard("0", "degree"), Guard("n", "degree"))
POLYNOMIALS = (
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
)


@family
class Binary(Family):
    name: ClassVar[str] = "binary"
    category: ClassVar[str] = "pointwise"
    priority: ClassVar[int] = 20
    guards: ClassVar[dict[str, tuple[Guard, ...]]] = {
        "div.no_rounding_mode": DIVISOR,
        "div.trunc_rounding": DIVISOR,
        "div.floor_rounding": DIVISOR,
        "true_divide": DIVISOR,
        "floor_divide": DIVISOR,
        "remainder": DIVISOR,
        "fmod": DIVISOR,
        "bitwise_left_shift": SHIFT,
        "bitwise_right_shift": SHIFT,
        "pow": EXPONENT,
        "float_power": EXPONENT,
        **{f"special.{name}": DEGREE for name in POLYNOMIALS},
    }

    def claims(self, info: Any) -> bool:
        return info_class(info) == "BinaryUfuncInfo"
