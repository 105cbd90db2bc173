"""Dtype conversions (``x.int()``, ``x.to(...)``, ``type_as``): float→int casts of NaN or
out-of-range values are undefined, so float inputs are made finite and small first."""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.registry import Family, family
from fuel.catalog.spec import Guard

CASTABLE = (Guard("input", "castable"),)
UNSIGNED = (Guard("input", "castable_unsigned"),)
CONVERSIONS = {
    "byte",
    "char",
    "short",
    "int",
    "long",
    "bool",
    "half",
    "bfloat16",
    "float",
    "double",
    "to",
    "type_as",
    "cfloat",
    "cdouble",
    "view_as_real",
    "view_as_complex",
}


@family
class Conversion(Family):
    name: ClassVar[str] = "conversion"
    category: ClassVar[str] = "conversion"
    priority: ClassVar[int] = 12
    guards: ClassVar[dict[str, tuple[Guard, ...]]] = {
        "byte": UNSIGNED,
        "char": CASTABLE,
        "short": CASTABLE,
        "int": CASTABLE,
        "long": CASTABLE,
        "to": UNSIGNED,
        "type_as": UNSIGNED,
    }

    def claims(self, info: Any) -> bool:
        return info.name in CONVERSIONS
