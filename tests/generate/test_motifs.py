"""Motifs: each one's programs are valid for its operators, counted, and deterministic."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fuel.generate import motifs
from fuel.generate.base import GenerationRequest
from fuel.generate.builtin import BuiltinGenerator
from fuel.generate.census import census
from fuel.generate.recipe import dumps, loads
from fuel.generate.render import render
from fuel.generate.synth import Synth, synthesize
from fuel.program import Program, load_program
from tests.generate.helpers import run_eagerly

SEEDS = range(8)
PLACED_AT_LEAST = 5  # of the 8 seeds: a motif that stops fitting its operators fails here


@dataclass(frozen=True, slots=True)
class Made:
    program: Program
    placed: bool  # the motif said it placed its shape
    operators: tuple[str, ...]  # the calls the motif placed


def make(generator: BuiltinGenerator, motif: motifs.Motif, seed: int) -> Made:
    """The walk's program for ``seed`` with ``motif`` placed in its middle."""
    seen: list[tuple[bool, tuple[str, ...]]] = []

    def place(synth: Synth) -> None:
        before = len(synth.nodes)
        placed = motif.place(synth, generator.menu)
        seen.append((placed, tuple(n.op for n in synth.nodes[before:])))

    recipe = synthesize(seed, (), generator.usable, generator.hot, place, 0.5)
    program = generator.program(recipe, "builtin", f"{motif.name}_{seed}")
    [(placed, operators)] = seen
    return Made(program, placed, operators)


@pytest.fixture(scope="module")
def made(generator: BuiltinGenerator) -> dict[str, list[Made]]:
    return {m.name: [make(generator, m, seed) for seed in SEEDS] for m in motifs.MOTIFS}


@pytest.mark.parametrize("name", sorted(motifs.BY_NAME))
def test_each_motif_renders_valid_programs_for_several_operators(
    name: str, made: dict[str, list[Made]]
) -> None:
    motif = motifs.BY_NAME[name]
    for item in made[name]:
        load_program(item.program)  # the static check and the loader accept it
        assert run_eagerly(item.program), item.program.source
        recorded = loads(item.program.recipe).motifs
        if item.placed:  # what the motif placed is what the census counts
            assert set(motif.makes) & set(recorded), (recorded, item.program.source)
    placed = [item for item in made[name] if item.placed]
    assert len(placed) >= PLACED_AT_LEAST
    assert len({op for item in placed for op in item.operators}) >= 2


def test_motif_programs_are_deterministic_and_round_trip(generator: BuiltinGenerator) -> None:
    seeds = [s for s in range(40) if motifs.plan(s)[0] is not None][:6]
    first = [generator.generate(GenerationRequest((), s)) for s in seeds]
    again = BuiltinGenerator(generator.catalog)
    second = [again.generate(GenerationRequest((), s)) for s in seeds]
    assert [p.source for p in first] == [p.source for p in second]
    for program in first:
        recipe = loads(program.recipe)
        assert render(recipe) == program.source and dumps(recipe) == program.recipe
        assert recipe.motifs == census(recipe, generator.facts)


def test_a_program_without_a_motif_is_the_walks_own(generator: BuiltinGenerator) -> None:
    walk = BuiltinGenerator(generator.catalog, use_motifs=False)
    plain = [s for s in range(20) if motifs.plan(s)[0] is None][:3]
    with_motif = [s for s in range(20) if motifs.plan(s)[0] is not None][:3]
    for seed in plain:
        request = GenerationRequest((), seed)
        assert generator.generate(request).source == walk.generate(request).source
    changed = [generator.generate(GenerationRequest((), s)).source
               != walk.generate(GenerationRequest((), s)).source for s in with_motif]  # fmt: skip
    assert any(changed)


def test_about_half_the_programs_are_planned_with_a_motif_and_all_motifs_are_drawn() -> None:
    planned = [motifs.plan(seed)[0] for seed in range(2000)]
    share = sum(m is not None for m in planned) / len(planned)
    assert abs(share - motifs.MOTIF_SHARE) < 0.05
    assert {m.name for m in planned if m is not None} == set(motifs.BY_NAME)


def test_data_dependent_programs_sometimes_set_the_capture_configs(
    made: dict[str, list[Made]],
) -> None:
    configs = [loads(m.program.recipe).configs for m in made["data_dependent_shape"]]
    assert any(dict(c).get("capture_dynamic_output_shape_ops") for c in configs)
    captured = next(m.program for m, c in zip(made["data_dependent_shape"], configs, strict=True)
                    if c)  # fmt: skip
    spec = load_program(captured)
    assert any(s.name.endswith("capture_dynamic_output_shape_ops") for s in spec.settings)
