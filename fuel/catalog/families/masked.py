"""torch.masked operators: reductions and normalisations that take a boolean mask."""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.registry import Family, family


@family
class Masked(Family):
    name: ClassVar[str] = "masked"
    category: ClassVar[str] = "reduction"
    priority: ClassVar[int] = 15

    def claims(self, info: Any) -> bool:
        return str(info.name).startswith("masked.")
