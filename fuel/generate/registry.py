"""The generator registry: names on the command line to generator factories.

======== ===================================== =====================
name     what it makes programs with           registered by
======== ===================================== =====================
builtin  the synthesizer over the catalog      ``fuel.generate``
llm      a generation model (OpenAI protocol)  ``fuel.llm``
hybrid   the LLM, plus built-in mutation       ``fuel.llm``
======== ===================================== =====================

A factory takes the campaign's :class:`GeneratorSettings` and returns a
:class:`~fuel.generate.base.Generator`. Modules register on import, and the registry
imports them before the first lookup (:class:`fuel.registry.Registry`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from fuel.generate.base import Generator
from fuel.registry import Registry

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GeneratorSettings:
    seed: int = 0
    # Settings records of generator families (the LLM's ``LLMSettings``), found by type:
    # this room cannot name the families above it, and a string-keyed dict of Any
    # would hide their types.
    family_settings: tuple[object, ...] = ()

    def find(self, cls: type[T]) -> T | None:
        """The settings record of type ``cls``, if the campaign was given one."""
        return next((s for s in self.family_settings if isinstance(s, cls)), None)

    def without(self, cls: type) -> GeneratorSettings:
        kept = tuple(s for s in self.family_settings if not isinstance(s, cls))
        return GeneratorSettings(self.seed, kept)


Factory = Callable[[GeneratorSettings], Generator]
GENERATORS: Registry[Factory] = Registry(
    "generator", providers=("fuel.generate.builtin", "fuel.llm.generator")
)
register = GENERATORS.register


def names() -> tuple[str, ...]:
    return GENERATORS.names()


def create(name: str, settings: GeneratorSettings) -> Generator:
    return GENERATORS.get(name)(settings)
