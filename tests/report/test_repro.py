"""The standalone repro: the reduced program and the comparison for its symptom."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from fuel.execute import state
from fuel.execute.records import CompileOptions
from fuel.judge.verdict import CrashEvidence, Kind, NumericEvidence, Outcome, Verdict
from fuel.program import load_file, load_source
from fuel.report.repro import REPRO_ERROR, program_parts, render_repro
from tests.judge.test_eager_side import TORCH_2_13

ROOT = Path(__file__).parents[2]
EAGER = CompileOptions(backend="eager")  # Dynamo alone: a repro runs in seconds

DIFFERS = (ROOT / "tests" / "programs" / "compile_differs.py").read_text()


def mismatch(kind: Kind, where: str = "output[0]", dtype: str = "float32") -> Verdict:
    evidence = NumericEvidence(where, dtype, (3, 5), 1.0, 1.0, 15, 15)
    return Verdict(Outcome.BUG, kind, numeric=evidence)


VALUES = mismatch(Kind.NUMERIC_MISMATCH)
CRASH = Verdict(Outcome.BUG, Kind.COMPILE_CRASH, crash=CrashEvidence("RuntimeError", "boom"))


def imports_of(text: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("valid_*.py")),
                         ids=lambda p: p.stem)  # fmt: skip
def test_every_input_style_renders_plain_torch(example: Path) -> None:
    text = render_repro(load_file(example), CompileOptions(mode="max-autotune"), VALUES, "t")
    assert imports_of(text) <= {"torch", "copy", "sys", "math", "numpy"}
    assert "mode='max-autotune'" in text and "same(" in text and "fp64_ref=" in text
    assert "__main__" not in text and "make_inputs" not in text  # inputs are inline
    compile(text, "repro.py", "exec")


CONFIGS = (
    ("inductor.freezing", True),
    ("inductor.cpp.simdlen", 1),
    ("functorch.activation_memory_budget", 0.5),
)
RUNS = ("eager = ", "compiled = ", "fp64 = ")
SEEDED_INPUTS = (
    "def make_inputs():\n    return (torch.randn(4, generator=torch.Generator().manual_seed(3)),)"
)


def test_a_program_that_draws_nothing_needs_no_seed_resets() -> None:
    text = render_repro(
        load_source(
            DIFFERS.replace("def make_inputs():\n    return (torch.randn(4),)", SEEDED_INPUTS)
        ),
        EAGER,
        VALUES,
        "t",
    )
    assert "manual_seed(0)" not in text and "fallback_random" not in text


def test_the_seed_is_reset_before_each_step_that_draws() -> None:
    dropout = DIFFERS.replace("return x\n", "return torch.nn.functional.dropout(x, 0.5)\n")
    text = render_repro(load_source(dropout), EAGER, VALUES, "t")
    assert "torch._inductor.config.fallback_random = True" in text
    for run in RUNS:  # forward draws: every run starts from the same seed
        assert f"torch.manual_seed(0)\n    {run}" in text
    # drawn without a generator
    assert "torch.manual_seed(0)\n    inputs = (torch.randn(4),)" in text


def test_the_compiler_configs_of_the_test_are_set_in_the_repro() -> None:
    import torch._functorch.config
    import torch._inductor.config

    options = EAGER
    for name, value in CONFIGS:
        options = options.with_config(name, value)
    text = render_repro(load_source(DIFFERS), options, VALUES, "t")
    compile(text, "repro.py", "exec")
    assert "fallback_random" not in text  # the program draws nothing
    for line in (
        "torch._inductor.config.freezing = True",
        "torch._inductor.config.cpp.simdlen = 1",
        "torch._functorch.config.activation_memory_budget = 0.5",
    ):
        assert line in text
        owner, _, field = line.split(" = ")[0].rpartition(".")
        assert hasattr(eval(owner, {"torch": torch}), field)  # a real config of this torch


def test_every_seed_is_reset_when_asked() -> None:
    text = render_repro(load_source(DIFFERS), EAGER, VALUES, "t", all_seeds=True)
    for run in RUNS:
        assert f"torch.manual_seed(0)\n    {run}" in text


def test_future_imports_move_to_the_top_and_main_blocks_go() -> None:
    source = DIFFERS.replace("import torch", "from __future__ import annotations\nimport torch")
    source += "\nif __name__ == '__main__':\n    print(1)\n"
    parts = program_parts(load_source(source))
    assert parts.future == "from __future__ import annotations\n"
    assert "__main__" not in parts.body and "import torch" not in parts.imports
    text = render_repro(load_source(source), EAGER, VALUES, "t")
    assert text.startswith("from __future__ import annotations\n")


@pytest.mark.parametrize(
    "verdict,words",
    [
        (VALUES, "same("),
        (mismatch(Kind.NAN_INF_MISMATCH), "isnan()"),
        (mismatch(Kind.DTYPE_MISMATCH), '"dtype"'),
        (mismatch(Kind.SHAPE_MISMATCH), '"shape"'),
        (mismatch(Kind.MUTATION_MISMATCH, "input[0]"), "after compiled"),
        (mismatch(Kind.NUMERIC_MISMATCH, "grad:param:w"), "torch.autograd.grad"),
        (CRASH, "# raises here"),
        (Verdict(Outcome.BUG, Kind.EAGER_ONLY_ERROR), "eager raises"),
        (Verdict(Outcome.BUG, Kind.TIMEOUT), "# hangs here"),
    ],
    ids=lambda v: v.kind.value if isinstance(v, Verdict) and v.kind else str(v)[:10],
)
def test_each_symptom_gets_its_comparison(verdict: Verdict, words: str) -> None:
    text = render_repro(load_source(DIFFERS), EAGER, verdict, "t")
    assert words in text, text
    compile(text, "repro.py", "exec")
    assert len(text.splitlines()) <= 42  # the gradients form is the longest


def test_harness_names_the_program_uses_get_an_underscore() -> None:
    source = DIFFERS + "\neager = 1\n"
    text = render_repro(load_source(source), EAGER, VALUES, "t")
    assert "eager_ = tree_leaves(model(" in text and "\neager = 1" in text


# Each output structure the judge flattens, and the leaf (output[i]) that differs under
# compile; ``{v}`` is that leaf's value, changed while compiling in the buggy program.
STRUCTURES = {
    "tensor": ("return {v}", 0),
    "tuple": ("return x * 2, {v}", 1),
    "list": ("return [x * 2, x * 3, {v}]", 2),
    "dict": ("return {{'a': x * 2, 'b': {v}}}", 1),
    "nested": ("return x * 2, (x * 3, {v})", 2),
    "scalar": ("return {v}.sum().item()", 0),
    "return_types": ("return torch.max(({v}).reshape(2, 2), dim=0)", 0),
    "native_group_norm": (
        "return torch.native_group_norm(({v}).reshape(1, 4, 1), None, None, 1, 4, 1, 2, 1e-5)", 1
    ),  # (out, mean, rstd): the mean shows the change
}
CHANGED = {  # the leaf's value in eager, and under compile in the buggy program
    Kind.NUMERIC_MISMATCH: ("x", "x + 1"),
    Kind.NAN_INF_MISMATCH: ("x", "x / 0"),
}


def structured(body: str, changed: str, same_value: str) -> str:
    value = f"({changed} if torch.compiler.is_compiling() else {same_value})"
    forward = body.format(v=value)
    return (f"import torch\n\n\nclass Model(torch.nn.Module):\n    def forward(self, x):\n"
            f"        {forward}\n\n\n"
            "def make_inputs():\n    return (torch.rand(4) + 1,)\n")  # fmt: skip


def exit_code(text: str) -> int:
    """Run a repro in this interpreter (backend='eager' compiles in milliseconds), and
    put back what it changed (a repro turns autograd off, as fuel runs programs)."""
    torch = pytest.importorskip("torch")
    torch._dynamo.reset()
    before = state.take()
    try:
        exec(compile(text, "repro.py", "exec"), {"__name__": "__main__"})
    except SystemExit as stop:
        return int(stop.code or 0)
    finally:
        state.restore(before)
    return 0


@pytest.mark.parametrize("kind", list(CHANGED), ids=lambda k: k.value)
@pytest.mark.parametrize("structure", list(STRUCTURES))
def test_the_repro_of_each_output_structure_exits_1_with_the_bug_and_0_without(
    structure: str, kind: Kind
) -> None:
    body, leaf = STRUCTURES[structure]
    eager, compiled = CHANGED[kind]
    verdict = mismatch(kind, f"output[{leaf}]")
    buggy = render_repro(load_source(structured(body, compiled, eager)), EAGER, verdict, "t")
    fixed = render_repro(load_source(structured(body, eager, eager)), EAGER, verdict, "t")
    assert exit_code(buggy) == 1, buggy
    assert exit_code(fixed) == 0, fixed


def test_a_repro_that_cannot_check_exits_3_not_1() -> None:
    program = load_source(structured(STRUCTURES["tuple"][0], "x + 1", "x"))
    missing = render_repro(program, EAGER, mismatch(Kind.NAN_INF_MISMATCH, "output[5]"), "t")
    assert exit_code(missing) == REPRO_ERROR  # its own comparison fails: no output[5]
    eager_raises = load_source(structured("return x.reshape(3, 3)", "x", "x"))
    assert exit_code(render_repro(eager_raises, EAGER, CRASH, "t")) == REPRO_ERROR
    assert exit_code(render_repro(eager_raises, EAGER, VALUES, "t")) == REPRO_ERROR


# An eager bug filed upstream (pytorch#113024), kept with the known-issue fixtures.
UINT8_BILINEAR = (ROOT / "tests/fixtures/known/interpolate_uint8_bilinear.py").read_text()
GROUP_NORM = (ROOT / "tests" / "programs" / "oracle" / "group_norm_strided_weight.py").read_text()
STORAGE_READER = """
import torch


class Model(torch.nn.Module):
    def forward(self, x, w):  # reads w's storage as if it were contiguous
        return x * w.as_strided((6,), (1,))


def make_inputs():
    return torch.randn(6), torch.randn(6, 2)[:, 0]
"""


def test_the_eager_rounding_repro_exits_1_while_eager_rounds_wrongly() -> None:
    rounding = mismatch(Kind.EAGER_ROUNDING, dtype="uint8")
    buggy = render_repro(load_source(UINT8_BILINEAR), EAGER, rounding, "t")
    assert "class RoundedFloat64(TorchDispatchMode):" in buggy
    assert exit_code(buggy) == 1, buggy  # torch 2.15 still rounds after each pass
    same_size = UINT8_BILINEAR.replace("size=(7, 5)", "size=(9, 6)")  # nothing to round
    assert exit_code(render_repro(load_source(same_size), EAGER, rounding, "t")) == 0


def test_the_eager_layout_repro_exits_1_while_eager_moves_with_layout() -> None:
    layout = mismatch(Kind.EAGER_LAYOUT, dtype="float32")
    moving = render_repro(load_source(STORAGE_READER), EAGER, layout, "t")
    assert "eager on contiguous copies:" in moving
    assert exit_code(moving) == 1, moving
    plain = STORAGE_READER.replace("w.as_strided((6,), (1,))", "w")
    assert exit_code(render_repro(load_source(plain), EAGER, layout, "t")) == 0


@pytest.mark.slow
@pytest.mark.skipif(not TORCH_2_13.is_file(), reason=f"needs torch 2.13 at {TORCH_2_13}")
def test_the_group_norm_layout_repro_shows_on_torch_2_13_and_not_on_this_torch() -> None:
    layout = mismatch(Kind.EAGER_LAYOUT, dtype="float64")
    text = render_repro(load_source(GROUP_NORM), EAGER, layout, "t")
    assert exit_code(text) == 0  # fixed in torch 2.15
    done = subprocess.run([str(TORCH_2_13), "-c", text], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
