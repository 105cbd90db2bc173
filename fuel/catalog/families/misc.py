"""Everything no other family claims: creation (``full``, ``arange``, ``zeros_like``),
clamping, special functions with extra arguments, sorting helpers, and the rest."""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.registry import Family, family


@family
class Misc(Family):
    name: ClassVar[str] = "misc"
    category: ClassVar[str] = "misc"
    priority: ClassVar[int] = 99

    def claims(self, info: Any) -> bool:
        return True
