"""Generated programs: deterministic, targeted, loadable, valid, and diverse."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

from fuel.catalog.spec import DTYPES
from fuel.errors import UsageError
from fuel.generate import choices, motifs
from fuel.generate.base import GenerationRequest, Generator
from fuel.generate.builtin import BuiltinGenerator
from fuel.generate.fake import Workbench
from fuel.generate.profiles import PROFILES
from fuel.generate.recipe import dumps, loads
from fuel.generate.registry import GeneratorSettings, create
from fuel.generate.render import render
from fuel.generate.synth import Synth
from fuel.program import InputStyle, load_program
from tests.generate.helpers import programs, run_eagerly
from tests.generate.subset import SUBSET

SEEDS = range(60)


@pytest.fixture(scope="module")
def sample(generator: BuiltinGenerator) -> list:  # type: ignore[type-arg]
    return programs(generator, SEEDS)


def test_same_seed_same_program(generator: BuiltinGenerator) -> None:
    first = programs(generator, range(5))
    again = programs(generator, range(5))
    assert [p.source for p in first] == [p.source for p in again]
    assert [p.recipe for p in first] == [p.recipe for p in again]
    assert len({p.source for p in first}) == 5


def test_rendering_is_pure_and_the_recipe_round_trips(sample: list) -> None:  # type: ignore[type-arg]
    for program in sample[:20]:
        recipe = loads(program.recipe)
        assert dumps(recipe) == program.recipe
        assert render(recipe) == program.source


def test_every_program_passes_the_loader_and_static_check(sample: list) -> None:  # type: ignore[type-arg]
    for program in sample:
        spec = load_program(program)
        assert spec.model_class == "Model" and spec.input_style is InputStyle.MAKE_INPUTS
        assert program.origin == "builtin" and program.seed is not None


def test_programs_run_in_eager(sample: list) -> None:  # type: ignore[type-arg]
    for program in sample:
        outputs = run_eagerly(program)
        assert isinstance(outputs, tuple) and outputs
        assert all(isinstance(o, torch.Tensor) for o in outputs)


@pytest.mark.parametrize("op", SUBSET)
def test_each_operator_can_be_targeted_and_runs_on_tiny_tensors(
    generator: BuiltinGenerator, op: str
) -> None:
    program = generator.generate(GenerationRequest((op,), 7))
    assert op in program.ops
    run_eagerly(program)


def test_several_requested_operators_all_appear(generator: BuiltinGenerator) -> None:
    wanted = ("nn.LSTM", "div.floor_rounding", "gather", "linalg.inv", "fft.irfft")
    for seed in range(5):
        program = generator.generate(GenerationRequest(wanted, seed))
        assert set(wanted) <= set(program.ops)
        run_eagerly(program)


def test_unknown_operators_are_a_usage_error(generator: BuiltinGenerator) -> None:
    with pytest.raises(UsageError, match="unknown operator 'expa'"):
        generator.generate(GenerationRequest(("expa",), 0))


def test_every_dtype_profile_layout_and_form_is_reached(sample: list) -> None:  # type: ignore[type-arg]
    recipes = [loads(p.recipe) for p in sample]
    inputs = [i for r in recipes for i in r.inputs]
    assert {i.dtype for i in inputs if i.is_tensor} >= set(DTYPES)
    assert {i.profile for i in inputs} >= {*PROFILES, "literal"}
    assert {i.layout for i in inputs} >= {"contiguous", "transposed", "strided", "offset",
                                          "expanded"}  # fmt: skip
    forms = Counter(n.form for r in recipes for n in r.nodes)
    assert set(forms) == {"function", "method", "inplace", "module", "out"}  # out: a motif's
    op_dtypes = {n.dtype for r in recipes for n in r.nodes}
    assert op_dtypes >= set(DTYPES)
    bindings = [b for r in recipes for n in r.nodes for b in n.bindings]
    assert any(b.mixed for b in bindings)  # calls that promote mixed dtypes
    assert any(b.direct for b in bindings)  # calls that take another shape as is
    assert any(i.profile == "scalar" for i in inputs)  # Python scalars


def test_shapes_include_scalars_empty_and_size_one_dims(sample: list) -> None:  # type: ignore[type-arg]
    shapes = [v.shape for p in sample for n in loads(p.recipe).nodes for v in n.outputs]
    assert () in shapes
    assert any(0 in s for s in shapes)
    assert any(1 in s for s in shapes)
    multi = [p for p in sample if len(loads(p.recipe).outputs) > 1]
    assert multi


def test_a_share_of_programs_reach_the_vector_widths(sample: list) -> None:  # type: ignore[type-arg]
    recipes = [loads(p.recipe) for p in sample]
    vector = [r for r in recipes if r.shapes == "vector"]
    assert 0.1 * len(recipes) <= len(vector) <= 0.5 * len(recipes)
    walk = [r for r in vector if motifs.plan(r.seed)[0] is None]  # motifs size their own
    widths = {
        (n.dtype, v.shape[-1])
        for r in walk
        for n in r.nodes
        for v in n.outputs
        if v.shape and v.shape[-1] > 10
    }
    sizes = {n for width in choices.VECTOR_BYTES for n in range(width // 8 - 1, 2 * width + 4)}
    assert widths and all(size in sizes for _, size in widths)


def test_operator_sequences_are_diverse(sample: list) -> None:  # type: ignore[type-arg]
    sequences = {tuple(n.op for n in loads(p.recipe).nodes) for p in sample}
    assert len(sequences) >= 0.95 * len(sample)
    sizes = [len(loads(p.recipe).nodes) for p in sample]
    assert min(sizes) >= 1 and max(sizes) <= 20


def test_registered_as_builtin(generator: BuiltinGenerator) -> None:
    made = create("builtin", GeneratorSettings(seed=3))
    assert isinstance(made, BuiltinGenerator) and isinstance(made, Generator)
    assert made.name == "builtin"
    assert generator.operators() == tuple(sorted(SUBSET))


def test_the_workbench_computes_the_programs_own_values(
    generator: BuiltinGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Candidate calls are checked on the values the program will have (its random
    streams, rewound after a failed candidate): a size that the data decides (nonzero)
    is the size the program meets, so adapters planned on it stay valid."""
    made: list[Synth] = []
    recipe_of = Synth.recipe
    monkeypatch.setattr(Synth, "recipe", lambda self: made.append(self) or recipe_of(self))
    for seed in range(12):
        program = generator.generate(GenerationRequest((), seed))
        outputs = run_eagerly(program)
        bench = made[-1].bench.env
        for output, expr in zip(outputs, loads(program.recipe).outputs, strict=True):
            checked = eval(expr, bench)
            assert output.dtype == checked.dtype and output.shape == checked.shape
            assert torch.equal(output.nan_to_num(), checked.nan_to_num()), (seed, expr)


def test_only_data_dependent_calls_are_checked_on_fake_tensors() -> None:
    bench = Workbench(0)
    assert bench.run_real(["x = torch.tensor([0.0, 1.0, 2.0])"])
    assert bench.run_meta("y = torch.nonzero(x)", "y", ["x"], [], data_dependent=True)
    assert not bench.run_meta("y = torch.nonzero(x)", "y", ["x"], [], data_dependent=False)
