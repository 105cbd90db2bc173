"""The census: which bug-prone shapes a recipe has, as the campaign counts them."""

from __future__ import annotations

import random

import pytest

from fuel.generate import census
from fuel.generate.builtin import BuiltinGenerator
from fuel.generate.motifs.menu import reshaped
from fuel.generate.recipe import Binding, Step
from fuel.generate.synth import Synth

WRITES = {"inplace_on_view", "view_beside_base", "mutated_input", "mutated_buffer", "out_variant"}


@pytest.mark.parametrize(
    ("run", "tail"), [(17, True), (31, True), (16, False), (32, False), (15, False), (0, False)]
)
def test_a_tail_is_one_block_of_16_or_more_and_a_remainder(run: int, tail: bool) -> None:
    assert census.leaves_tail(run) is tail


def test_a_reductions_run_is_the_dimension_it_names_or_every_element() -> None:
    assert census.reduced_run((3, 20), 1) == 20 and census.reduced_run((3, 20), -2) == 3
    assert census.reduced_run((3, 20), None) == 60


def plain_synth(generator: BuiltinGenerator, seed: int = 3) -> Synth:
    synth = Synth(seed, random.Random(seed))
    spec = generator.catalog.get("add")
    assert spec is not None and synth.try_call(spec, plain=True)
    return synth


def test_a_plain_call_writes_nothing_and_views_nothing(generator: BuiltinGenerator) -> None:
    found = set(census.census(plain_synth(generator).recipe(), generator.facts))
    assert not found & WRITES
    assert "noncontiguous_input" not in found and "out_variant" not in found


def test_writing_through_a_slice_of_an_input_is_an_inplace_on_view_of_an_input(
    generator: BuiltinGenerator,
) -> None:
    synth = plain_synth(generator)
    spec = generator.catalog.get("mul")
    assert spec is not None
    name = synth.new_input((4, 5), "int32", "normal", False, writable=True)
    target = Binding(name, (Step("slice", ((2, 5),)),), from_shape=(4, 5), from_dtype="int32")
    index = next(i for i, t in enumerate(spec.templates) if "int32" in t.dtypes)
    shaped = reshaped(spec.templates[index], (2, 5))
    assert shaped is not None
    assert synth.call(spec, index, shaped, "int32", "inplace", fixed={0: target}) is not None
    found = set(census.census(synth.recipe(), generator.facts))
    assert {"inplace_on_view", "mutated_input"} <= found


def test_count_lists_every_shape_zeros_included(generator: BuiltinGenerator) -> None:
    assert census.count([], generator.facts) == dict.fromkeys(census.NAMES, 0)
    recipe = plain_synth(generator).recipe()
    counted = census.count([recipe, recipe], generator.facts)
    assert all(counted[name] == 2 for name in census.census(recipe, generator.facts))
