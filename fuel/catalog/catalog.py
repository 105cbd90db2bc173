"""The catalog as the generator and the campaign see it: operators by exact name."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from fuel.catalog.spec import CatalogData, OpSpec
from fuel.errors import UsageError


class Catalog:
    """Every operator torch's databases describe, usable or not (with the reason)."""

    def __init__(self, data: CatalogData) -> None:
        self.data = data
        self._by_name = {op.name: op for op in data.ops}
        self._usable = tuple(op for op in data.ops if op.usable)

    @property
    def torch_version(self) -> str:
        return self.data.torch_version

    def all(self) -> tuple[OpSpec, ...]:
        return self.data.ops

    def usable(self) -> tuple[OpSpec, ...]:
        """Operators programs may use, sorted by name."""
        return self._usable

    def names(self) -> tuple[str, ...]:
        """Names of the usable operators, sorted: what a heuristic chooses from."""
        return tuple(op.name for op in self._usable)

    def get(self, name: str) -> OpSpec | None:
        return self._by_name.get(name)

    def require(self, names: Iterable[str]) -> tuple[OpSpec, ...]:
        """The usable operators named, exactly; a one-line error for any other name."""
        found = []
        for name in names:
            spec = self._by_name.get(name)
            if spec is None:
                raise UsageError(f"unknown operator {name!r}: not in the catalog")
            if not spec.usable:
                raise UsageError(f"operator {name!r} is never generated: {spec.excluded}")
            found.append(spec)
        return tuple(found)


@cache
def load_catalog() -> Catalog:
    """The catalog for the installed torch, from the cache or built (once) and cached."""
    from fuel.catalog.cache import load_or_build

    return Catalog(load_or_build())
