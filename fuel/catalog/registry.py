"""The two registries of the catalog: operator families, and the operators they yield.

A family (one file in ``fuel.catalog.families``) claims OpInfo entries or nn modules
and adds what torch does not say in machine-readable form: value guards, exclusions
with their reasons, a category. Families are registered with :func:`family`, which
rejects duplicate names and families missing a part of the contract. The operators a
build derives go into one :class:`OpTable`, which rejects duplicate names; names are
matched exactly, never fuzzily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar

from fuel.catalog.spec import Guard, OpSpec
from fuel.registry import Registry


class Family:
    """Base of every family: override the class attributes and ``claims``."""

    name: ClassVar[str] = ""
    category: ClassVar[str] = ""
    source: ClassVar[str] = "opinfo"  # opinfo | modules
    priority: ClassVar[int] = 50  # lower claims first; ``misc`` catches the rest
    guards: ClassVar[dict[str, tuple[Guard, ...]]] = {}
    excluded: ClassVar[dict[str, str]] = {}  # op name -> why it is never generated

    def claims(self, info: Any) -> bool:
        raise NotImplementedError

    def category_of(self, name: str) -> str:
        return self.category


F = TypeVar("F", bound=type[Family])
FAMILIES: Registry[Family] = Registry("family", providers=("fuel.catalog.families",))


def family(cls: F) -> F:
    """Register a family class (an instance of it), refusing duplicates and gaps."""
    if not cls.name or not cls.category:
        raise TypeError(f"family {cls.__name__} needs a name and a category")
    if cls.source not in ("opinfo", "modules"):
        raise TypeError(f"family {cls.name}: unknown source {cls.source!r}")
    if cls.claims is Family.claims:
        raise TypeError(f"family {cls.name} does not define claims()")
    FAMILIES.add(cls.name, cls())
    return cls


def families(source: str | None = None) -> tuple[Family, ...]:
    """Registered families in claiming order (priority, then name)."""
    chosen = [f for f in FAMILIES if source is None or f.source == source]
    return tuple(sorted(chosen, key=lambda f: (f.priority, f.name)))


def claim(info: Any) -> Family | None:
    return next((f for f in families("opinfo") if f.claims(info)), None)


class OpTable:
    """Operators by exact name; adding a name twice is an error, not an overwrite."""

    def __init__(self) -> None:
        self._ops: Registry[OpSpec] = Registry("operator")

    def add(self, spec: OpSpec) -> None:
        self._ops.add(spec.name, spec)

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def __getitem__(self, name: str) -> OpSpec:
        return self._ops.get(name)

    def __len__(self) -> int:
        return len(self._ops)

    def __iter__(self) -> Iterator[OpSpec]:
        return iter(self._ops)

    def select(self, keep: Callable[[OpSpec], bool]) -> tuple[OpSpec, ...]:
        return tuple(spec for spec in self if keep(spec))
