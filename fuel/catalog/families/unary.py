"""Unary elementwise operators (torch's UnaryUfuncInfo entries): sin, exp, erfinv..."""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.families._claims import info_class
from fuel.catalog.registry import Family, family


@family
class Unary(Family):
    name: ClassVar[str] = "unary"
    category: ClassVar[str] = "pointwise"
    priority: ClassVar[int] = 20

    def claims(self, info: Any) -> bool:
        return info_class(info) == "UnaryUfuncInfo"
