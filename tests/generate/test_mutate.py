"""Mutation: one change, still valid, deterministic; a syntax-level fallback without a
recipe; marks on dims only where no call specializes them."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from fuel.errors import Rejected
from fuel.generate import mutate as mutations
from fuel.generate.ast_mutate import AST_MUTATIONS, mutate_source
from fuel.generate.builtin import BuiltinGenerator
from fuel.generate.dynamic import keeps_dynamic
from fuel.generate.recipe import Binding, Input, Node, Recipe, Step, loads
from fuel.program import Program, load_program
from tests.generate.helpers import programs, run_eagerly

EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(scope="module")
def originals(generator: BuiltinGenerator) -> list[Program]:
    return programs(generator, range(100, 140))


def how(mutant: Program) -> str:
    found = re.search(r"\((\w+), seed \d+\)", mutant.source)
    assert found, mutant.source[:300]
    return found.group(1)


def test_mutants_are_valid_loadable_and_deterministic(
    generator: BuiltinGenerator, originals: list[Program]
) -> None:
    kinds: Counter[str] = Counter()
    for program in originals:
        mutant = generator.mutate(program, 1)
        assert mutant.source != program.source and mutant.origin == "mutation"
        assert generator.mutate(program, 1).source == mutant.source
        load_program(mutant)
        run_eagerly(mutant)
        kinds[how(mutant)] += 1
    assert len(kinds) >= 5, kinds


@pytest.mark.parametrize("mutation", [m for m, _ in mutations.MUTATIONS])
def test_each_mutation_applies_and_replays(
    generator: BuiltinGenerator, originals: list[Program], mutation: mutations.Mutation
) -> None:
    usable = generator.usable
    context = mutations.Context(random.Random(4), usable, {s.name: s for s in usable})
    replayed = 0
    for program in originals:
        if replayed == 3:
            break
        edit = mutation(loads(program.recipe), context)
        if edit is None:
            continue
        mutant = mutations.replay(edit, context.rng)
        if mutant is None:
            continue
        if mutation is mutations.mark_dynamic and not keeps_dynamic(mutant):
            continue
        run_eagerly(generator.program(mutant, "mutation", "m"))
        replayed += 1
    assert replayed >= 3, mutation.__name__


def test_dynamic_marks_are_kept_only_where_nothing_specializes(generator: BuiltinGenerator) -> None:
    spec = generator.catalog.get("sin")
    assert spec is not None
    x0 = Input("x0", (6, 4), "float32", "normal", dynamic=(0,))
    direct = Binding("x0", direct=True, from_shape=(6, 4), from_dtype="float32")
    sine = Node("v0", "sin", 0, spec.templates[0], "float32", "function", "torch.sin", (direct,))
    free = mutations.replay(mutations.Edit(Recipe(0, (x0,), (sine,), ())), random.Random(0))
    assert free is not None and keeps_dynamic(free)
    to_24 = replace(direct, steps=(Step("reshape", ((24,),)),), direct=False)
    pinned = replace(free, nodes=(replace(free.nodes[0], bindings=(to_24,)),))
    assert not keeps_dynamic(pinned)  # 4 * s0 == 24 pins s0 to 6


def test_programs_without_recipe_get_syntax_level_mutations(generator: BuiltinGenerator) -> None:
    source = (EXAMPLES / "valid_make_inputs.py").read_text()
    program = Program(source=source, name="example")
    seen = set()
    for seed in range(12):
        mutant = generator.mutate(program, seed)
        assert mutant.recipe == "" and mutant.source != source
        load_program(mutant)
        seen.add(mutant.source)
    assert len(seen) > 1
    with pytest.raises(Rejected):
        generator.mutate(Program(source="import torch\n", name="empty"), 0)


def test_syntax_level_mutations_one_by_one() -> None:
    source = (
        "import torch\n\nclass Model(torch.nn.Module):\n    def forward(self, x):\n"
        "        return torch.sin(x) * 0.5 + x.exp() if 1 < 2 else x\n\n"
        "def make_inputs():\n    return (torch.randn(3, dtype=torch.float32),)\n"
    )
    unary = ("sin", "cos", "exp")
    for mutation in AST_MUTATIONS:
        import ast

        tree = ast.parse(source)
        assert mutation(tree, random.Random(0), unary), mutation.__name__
        assert ast.unparse(tree) != ast.unparse(ast.parse(source))
    edited = mutate_source(source, 3, unary)
    assert edited is not None and edited[1] in {m.__name__ for m in AST_MUTATIONS}
    assert mutate_source("def broken(:\n", 0, unary) is None


def test_a_recipe_that_cannot_mutate_is_rejected(
    generator: BuiltinGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = programs(generator, range(1))[0]
    monkeypatch.setattr(mutations, "MUTATIONS", ((lambda recipe, ctx: None, 1.0),))
    with pytest.raises(Rejected, match="no mutation"):
        generator.mutate(program, 0)
