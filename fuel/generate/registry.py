"""The generator registry: names on the command line to generator factories.

======== ===================================== =====================
name     what it makes programs with           registered by
======== ===================================== =====================
builtin  the synthesizer over the catalog      ``fuel.generate``
llm      a generation model (OpenAI protocol)  ``fuel.llm``
hybrid   the LLM, plus built-in mutation       ``fuel.llm``
======== ===================================== =====================

A factory takes the campaign's :class:`GeneratorSettings` and returns a
:class:`~fuel.generate.base.Generator`. Modules register on import; ``create`` imports
the modules that may register, so the registry is complete before a name is looked up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fuel.errors import UsageError
from fuel.generate.base import Generator


@dataclass(frozen=True, slots=True)
class GeneratorSettings:
    seed: int = 0
    # Settings of one generator family (e.g. the LLM's endpoint and budget), by family.
    extra: dict[str, Any] = field(default_factory=dict)


Factory = Callable[[GeneratorSettings], Generator]
_FACTORIES: dict[str, Factory] = {}
PROVIDERS = ("fuel.generate.builtin", "fuel.llm.generator")


def register(name: str) -> Callable[[Factory], Factory]:
    def decorate(factory: Factory) -> Factory:
        if name in _FACTORIES:
            raise ValueError(f"generator {name!r} registered twice")
        _FACTORIES[name] = factory
        return factory

    return decorate


def _load_providers() -> None:
    for module in PROVIDERS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as missing:
            if missing.name != module:
                raise


def names() -> tuple[str, ...]:
    _load_providers()
    return tuple(sorted(_FACTORIES))


def create(name: str, settings: GeneratorSettings) -> Generator:
    _load_providers()
    if name not in _FACTORIES:
        raise UsageError(f"unknown generator {name!r} (known: {', '.join(sorted(_FACTORIES))})")
    return _FACTORIES[name](settings)
