"""Registers ``llm`` and ``hybrid`` with the generator registry.

A factory finds its :class:`~fuel.llm.settings.LLMSettings` among the
``GeneratorSettings``' family settings (defaults when absent), resolves the configuration
(one line for any problem), and runs the preflight request before returning, so a bad
key or model stops ``fuel fuzz`` before any work. The built-in generator is the
fallback and the mutator; both are created through the registry only when first
needed, so nothing here depends on it at import time.
"""

from __future__ import annotations

from collections.abc import Callable

from fuel.errors import Rejected, UsageError
from fuel.generate.base import Generator
from fuel.generate.registry import GeneratorSettings, create, register
from fuel.llm.cache import ResponseCache, default_cache_dir
from fuel.llm.config import resolve
from fuel.llm.hybrid import HybridGenerator, Mutator
from fuel.llm.loop import LLMGenerator
from fuel.llm.operators import OperatorBook
from fuel.llm.settings import LLMSettings
from fuel.program.record import Program

BUILTIN = "builtin"


def llm_settings(settings: GeneratorSettings) -> LLMSettings:
    return settings.find(LLMSettings) or LLMSettings()


def builtin_settings(settings: GeneratorSettings) -> GeneratorSettings:
    return settings.without(LLMSettings)


def builtin_fallback(settings: GeneratorSettings) -> Callable[[], Generator]:
    def make() -> Generator:
        return create(BUILTIN, builtin_settings(settings))

    return make


def builtin_mutator(settings: GeneratorSettings) -> Mutator:
    """The seam to the built-in mutator: ``mutate(program, seed)``, created on first use."""
    made: list[Generator] = []

    def mutate(program: Program, seed: int) -> Program:
        if not made:
            try:
                made.append(create(BUILTIN, builtin_settings(settings)))
            except UsageError as missing:
                raise Rejected(f"no built-in mutator: {missing}") from None
        if not made[0].mutates:
            raise Rejected("the built-in generator offers no mutate(program, seed)")
        return made[0].mutate(program, seed)

    return mutate


def build_llm(settings: GeneratorSettings, *, preflight: bool = True) -> LLMGenerator:
    chosen = llm_settings(settings)
    config = resolve(chosen, need_key=not chosen.dry_run)
    cache = ResponseCache(chosen.cache_dir or default_cache_dir()) if chosen.cache else None
    generator = LLMGenerator(
        config, chosen, fallback=builtin_fallback(settings), cache=cache, operators=OperatorBook()
    )
    if preflight:
        generator.preflight()
    return generator


@register("llm")
def create_llm(settings: GeneratorSettings) -> Generator:
    return build_llm(settings)


@register("hybrid")
def create_hybrid(settings: GeneratorSettings) -> Generator:
    return HybridGenerator(build_llm(settings), builtin_mutator(settings))
