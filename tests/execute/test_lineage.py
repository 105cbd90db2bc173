"""The lineage of values downstream of discontinuous operations, and their re-check.

Nothing is compiled here: the "compiler" of the re-check is eager itself, or eager with
one operation corrupted, so each rule is seen in milliseconds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from fuel.execute.lineage import Lineage, Recipe
from fuel.execute.probe import ProbeMode
from fuel.execute.recheck import Compile, recheck


def lineage_of(fn: Callable[[], torch.Tensor]) -> tuple[torch.Tensor, Recipe | None]:
    lineage = Lineage()
    with ProbeMode(lineage=lineage):
        value = fn()
    return value, lineage.recipe_for(value)


def eager_compile(module: torch.nn.Module) -> Callable[..., Any]:
    return module


def corrupting(op: str) -> Compile:
    """A "compiler" under which every result of ``op`` is one more than eager's."""

    def build(module: torch.nn.Module) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            results = module(*args)
            nodes = [n for n in module.graph.nodes if n.op == "call_function"]  # type: ignore[union-attr]
            return tuple(
                r + 1 if op in str(n.target) else r for r, n in zip(results, nodes, strict=True)
            )

        return run

    return build


X = torch.tensor([9.0, -9.0, 0.5, 2.0])


def test_a_cast_to_int_starts_a_lineage_from_its_float_input() -> None:
    value, recipe = lineage_of(lambda: torch.tanh(X).to(torch.int32))
    assert recipe is not None
    assert set(recipe.steps.values()) == {"aten._to_copy"}
    assert torch.equal(recipe.run(), value)
    assert recipe.boundary == (True,)


def test_continuous_values_have_no_lineage() -> None:
    assert lineage_of(lambda: torch.tanh(X) * 2)[1] is None


def test_operations_after_the_step_join_the_lineage() -> None:
    value, recipe = lineage_of(lambda: torch.special.i0(torch.tanh(X).to(torch.int8)))
    assert recipe is not None and torch.equal(recipe.run(), value)


def test_rounding_amplified_by_a_cast_is_explained_and_the_cast_agrees() -> None:
    value, recipe = lineage_of(lambda: torch.tanh(X).to(torch.int32))
    assert recipe is not None
    compiled = torch.tensor([1, -1, 0, 0], dtype=torch.int32)  # tanh(±9) rounded to ±1.0
    found = recheck("output[0]", recipe, value, compiled, eager_compile)
    assert found is not None
    assert torch.equal(found.nearest, compiled)
    assert found.disagreeing == ()


def test_a_step_that_changes_how_many_elements_unique_keeps_is_explained_whole() -> None:
    value, recipe = lineage_of(lambda: torch.unique(torch.tanh(X).to(torch.int32)))
    assert recipe is not None and torch.equal(recipe.run(), value)
    compiled = torch.tensor([-1, 0, 1], dtype=torch.int32)  # tanh(±9) rounded to ±1.0
    found = recheck("output[0]", recipe, value, compiled, eager_compile)
    assert found is not None
    assert torch.equal(found.nearest, compiled) and found.disagreeing == ()


def test_a_count_of_elements_no_nudge_gives_is_not_explained() -> None:
    value, recipe = lineage_of(lambda: torch.unique(torch.tanh(X).to(torch.int32)))
    assert recipe is not None
    compiled = torch.tensor([-1, 0, 1, 7], dtype=torch.int32)  # no nudge gives 4 values
    found = recheck("output[0]", recipe, value, compiled, eager_compile)
    assert found is not None and found.disagreeing is None


def test_a_discontinuous_operation_wrong_on_identical_inputs_is_named() -> None:
    x = torch.tensor([1.0, 9.0, 0.3])
    value, recipe = lineage_of(lambda: x // 0.1)
    assert recipe is not None
    compiled = value + torch.tensor([1.0, 1.0, 0.0])
    found = recheck("output[0]", recipe, value, compiled, corrupting("floor_divide"))
    assert found is not None and found.disagreeing == ("aten.floor_divide",)


def test_a_continuous_error_beside_a_step_is_not_explained() -> None:
    x = torch.tensor([-2.0, -1.0, 1.0, 2.0])
    a = torch.tensor([10.0, 20.0, 30.0, 40.0])
    value, recipe = lineage_of(lambda: torch.where(x > 0, a, -a))
    assert recipe is not None
    compiled = value.clone()
    compiled[3] = 41.0  # a wrong `a`, far from any threshold of x > 0
    found = recheck("output[0]", recipe, value, compiled, eager_compile)
    assert found is not None
    assert found.nearest[3] == value[3]
    assert found.disagreeing is None  # no nudge moved it: nothing to compile


def test_a_lineage_that_does_not_reproduce_eager_is_not_used() -> None:
    value, recipe = lineage_of(lambda: torch.tanh(X).to(torch.int32))
    assert recipe is not None
    other = value + 5
    assert recheck("output[0]", recipe, other, value, eager_compile) is None


def test_a_value_compiled_gives_as_float64_does_needs_no_recheck() -> None:
    from fuel.execute.recheck import compiled_is_reference

    eager = torch.tensor([168.6, 67.2, 1.3])
    compiled = torch.tensor([67.2, 67.2, 1.3])
    assert compiled_is_reference(eager, compiled, compiled.double())
    assert not compiled_is_reference(eager, compiled, eager.double())
