"""The built-in generator: synthesized programs from the catalog, with no LLM.

Registered as ``builtin`` in :mod:`fuel.generate.registry`. ``generate`` makes a new
program around the requested operators, half of them with a motif
(:mod:`fuel.generate.motifs`, unless :class:`BuiltinSettings` turns them off);
``mutate`` changes one thing in a program (through its recipe, or its syntax tree when
it has none). Both are deterministic in their seed. Every recipe records its census
(``Recipe.motifs``, :mod:`fuel.generate.census`): the campaign counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from fuel.catalog import CallKind, Catalog, OpSpec, load_catalog
from fuel.errors import Rejected
from fuel.generate import motifs
from fuel.generate.ast_mutate import mutate_source
from fuel.generate.base import GenerationRequest, Generator
from fuel.generate.census import Facts, census
from fuel.generate.choices import HOT_FAMILIES
from fuel.generate.mutate import mutate_recipe
from fuel.generate.recipe import Recipe, dumps, loads
from fuel.generate.registry import GeneratorSettings, register
from fuel.generate.render import render
from fuel.generate.synth import synthesize
from fuel.program import Program


@dataclass(frozen=True, slots=True)
class BuiltinSettings:
    """The built-in generator's options (a ``GeneratorSettings.family_settings`` record)."""

    motifs: bool = True  # False: the walk alone (a baseline without motifs)


class BuiltinGenerator(Generator):
    """Programs from the catalog; see the module docstring."""

    name = "builtin"
    mutates = True

    def __init__(
        self, catalog: Catalog | None = None, seed: int = 0, use_motifs: bool = True
    ) -> None:
        self._catalog = catalog
        self.seed = seed
        self.use_motifs = use_motifs

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog()
        return self._catalog

    def operators(self) -> tuple[str, ...]:
        """The operator names requests may carry (the heuristic's universe), sorted."""
        return self.catalog.names()

    @cached_property
    def usable(self) -> tuple[OpSpec, ...]:
        return self.catalog.usable()

    @cached_property
    def hot(self) -> tuple[OpSpec, ...]:
        return tuple(op for op in self.usable if op.family in HOT_FAMILIES)

    @cached_property
    def menu(self) -> motifs.Menu:
        return motifs.Menu.of(self.usable)

    @cached_property
    def facts(self) -> Facts:
        return Facts({op.name: op for op in self.catalog.all()})

    @cached_property
    def unary(self) -> tuple[str, ...]:
        """Elementwise functions callable both as ``torch.f(x)`` and ``x.f()`` in every
        floating dtype: what a syntax-level mutation may swap for one another."""
        return tuple(
            op.name
            for op in self.usable
            if op.family == "unary"
            and op.call.kind is CallKind.FUNCTION
            and op.call.target == f"torch.{op.name}"
            and op.call.method == op.name
            and all(d in op.dtypes for d in ("float32", "float16", "bfloat16", "float64"))
            and all(t.outputs == ((),) for t in op.templates)
        )

    def generate(self, request: GenerationRequest) -> Program:
        required = self.catalog.require(request.ops)
        motif, at = motifs.plan(request.seed) if self.use_motifs else (None, 0.0)
        menu = self.menu
        place = None if motif is None else (lambda synth: motif.place(synth, menu))
        try:
            recipe = synthesize(request.seed, required, self.usable, self.hot, place, at)
        except RuntimeError as exc:
            raise Rejected(str(exc)) from None
        return self.program(recipe, origin="builtin", name=f"builtin_{request.seed}")

    def replica(self) -> BuiltinGenerator:
        """A fresh generator on this one's catalog: programs depend on the request, the
        catalog and torch (a cluster refuses nodes with another torch), so the catalog
        travels with it rather than each node building its own."""
        return BuiltinGenerator(self.catalog, self.seed, self.use_motifs)

    def program(self, recipe: Recipe, origin: str, name: str) -> Program:
        """The rendered program, its recipe with its census. It is not loaded here: the
        campaign loads every program (static check included) anyway, and the tests load
        every generated one."""
        recipe = replace(recipe, motifs=census(recipe, self.facts))
        return Program(
            source=render(recipe),
            name=name,
            seed=recipe.seed,
            ops=tuple(dict.fromkeys(recipe.ops())),
            origin=origin,
            recipe=dumps(recipe),
        )

    def mutate(self, program: Program, seed: int) -> Program:
        """One change to ``program``, checked like a new program where it has a recipe.

        Programs without a recipe (hand-written, from an LLM) get a syntax-level edit
        instead; they are never run here. Raises :class:`Rejected` if nothing applies.
        """
        name = f"{program.name.split('~')[0]}~m{seed}"
        recipe = parse_recipe(program.recipe)
        if recipe is not None:
            found = mutate_recipe(recipe, seed, self.usable)
            if found is None:
                raise Rejected(f"no mutation of {program.name} stays valid")
            mutant, how = found
            note = f"Mutant of {program.name} ({how}, seed {seed})"
            return self.program(replace(mutant, notes=(note,)), origin="mutation", name=name)
        edited = mutate_source(program.source, seed, self.unary)
        if edited is None:
            raise Rejected(f"no syntax-level mutation applies to {program.name}")
        return Program(source=edited[0], name=name, seed=seed, ops=program.ops, origin="mutation")


def parse_recipe(text: str) -> Recipe | None:
    if not text:
        return None
    try:
        return loads(text)
    except (ValueError, KeyError, TypeError):
        return None


@register("builtin")
def create(settings: GeneratorSettings) -> BuiltinGenerator:
    options = settings.find(BuiltinSettings) or BuiltinSettings()
    return BuiltinGenerator(seed=settings.seed, use_motifs=options.motifs)
