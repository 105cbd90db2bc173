"""The one registry: names to entries, filled where the entries are defined.

Every extension point of fuel that is chosen by name (generators, heuristics, catalog
families and the operators they yield) is a :class:`Registry`. Entries register with
the ``register(name)`` decorator next to their definition; a name registered twice is
an error, not an overwrite, and names are matched exactly (``SA`` reaches ``fasa``
only through an alias the registry declares). Modules that register on import are
listed as *providers* and imported before the first lookup, so a registry is complete
before it answers; a provider that is not installed (the LLM extra) is passed over.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from fuel.errors import UsageError

T = TypeVar("T")
E = TypeVar("E")


class Registry(Generic[T]):
    def __init__(
        self,
        kind: str,
        *,
        providers: tuple[str, ...] = (),
        aliases: dict[str, str] | None = None,
        check: Callable[[str, T], None] | None = None,
    ) -> None:
        self.kind = kind  # "generator", "heuristic": how error messages name an entry
        self._providers = providers
        self._aliases = dict(aliases or {})
        self._check = check
        self._entries: dict[str, T] = {}
        self._loaded = not providers

    def register(self, name: str) -> Callable[[E], E]:
        """Decorate an entry (a factory, a class) to register it under ``name``."""

        def decorate(entry: E) -> E:
            self.add(name, entry)  # type: ignore[arg-type]
            return entry

        return decorate

    def add(self, name: str, entry: T) -> None:
        if not name:
            raise ValueError(f"a {self.kind} needs a name")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} registered twice")
        if self._check is not None:
            self._check(name, entry)
        self._entries[name] = entry

    def names(self) -> tuple[str, ...]:
        self._load()
        return tuple(sorted(self._entries))

    def canonical(self, name: str) -> str:
        """The registered name for what the user typed, or a one-line usage error."""
        self._load()
        resolved = self._aliases.get(name, name)
        if resolved not in self._entries:
            known = ", ".join(sorted(self._entries)) or "none"
            raise UsageError(f"unknown {self.kind} {name!r} (known: {known})")
        return resolved

    def get(self, name: str) -> T:
        return self._entries[self.canonical(name)]

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def __iter__(self) -> Iterator[T]:
        """Entries in name order."""
        return iter(self._entries[name] for name in self.names())

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in self._providers:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as missing:
                if missing.name is None or not module.startswith(missing.name):
                    raise
