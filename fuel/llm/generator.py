"""Registers ``llm`` and ``hybrid`` with the generator registry.

A factory reads its :class:`~fuel.llm.settings.LLMSettings` from
``GeneratorSettings.extra["llm"]`` (defaults when absent), resolves the configuration
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
from fuel.llm.settings import LLMSettings
from fuel.program.record import Program

SETTINGS_KEY = "llm"  # where the campaign puts LLMSettings in GeneratorSettings.extra
BUILTIN = "builtin"


def llm_settings(settings: GeneratorSettings) -> LLMSettings:
    value = settings.extra.get(SETTINGS_KEY)
    if value is None:
        return LLMSettings()
    if not isinstance(value, LLMSettings):
        raise UsageError(f"extra[{SETTINGS_KEY!r}] must be LLMSettings, not {type(value).__name__}")
    return value


def builtin_settings(settings: GeneratorSettings) -> GeneratorSettings:
    extra = {key: value for key, value in settings.extra.items() if key != SETTINGS_KEY}
    return GeneratorSettings(seed=settings.seed, extra=extra)


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
        method = getattr(made[0], "mutate", None)
        if not callable(method):
            raise Rejected("the built-in generator offers no mutate(program, seed)")
        result = method(program, seed)
        if not isinstance(result, Program):
            raise Rejected("the built-in mutator returned no program")
        return result

    return mutate


def build_llm(settings: GeneratorSettings, *, preflight: bool = True) -> LLMGenerator:
    chosen = llm_settings(settings)
    config = resolve(chosen, need_key=not chosen.dry_run)
    cache = ResponseCache(chosen.cache_dir or default_cache_dir()) if chosen.cache else None
    generator = LLMGenerator(config, chosen, fallback=builtin_fallback(settings), cache=cache)
    if preflight:
        generator.preflight()
    return generator


@register("llm")
def create_llm(settings: GeneratorSettings) -> Generator:
    return build_llm(settings)


@register("hybrid")
def create_hybrid(settings: GeneratorSettings) -> Generator:
    return HybridGenerator(build_llm(settings), builtin_mutator(settings))
