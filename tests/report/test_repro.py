"""The standalone repro: plain torch, every input style, and its exit code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Kind
from fuel.program import load_file, load_source
from fuel.report.repro import confirm, render_repro, split_program

ROOT = Path(__file__).parents[2]
EAGER = CompileOptions(backend="eager")  # Dynamo alone: a repro runs in seconds

DIFFERS = (ROOT / "tests" / "programs" / "compile_differs.py").read_text()
PASSES = DIFFERS.replace("return x + 1", "return x")
RAISES = DIFFERS.replace("return x + 1", "return x.reshape(3, 5)")  # traced: fails


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
    text = render_repro(load_file(example), CompileOptions(mode="max-autotune"), "a title")
    assert imports_of(text) <= {"torch", "copy", "sys", "traceback", "math", "numpy"}
    assert "mode='max-autotune'" in text
    assert '__name__ == "__main__"' in text and text.count("__main__") == 1  # ours alone
    compile(text, "repro.py", "exec")


def test_future_imports_move_to_the_top_and_main_blocks_go() -> None:
    future, rest = split_program(
        "from __future__ import annotations\nimport torch\n\nif __name__ == '__main__':\n"
        "    print(1)\n"
    )
    assert future == "from __future__ import annotations\n"
    assert rest == "import torch\n\n"


def test_backward_repros_compare_gradients() -> None:
    text = render_repro(load_source(DIFFERS), CompileOptions(backward=True), "t")
    assert "loss.backward()" in text and "grad:param:" in text
    assert "loss.backward()" not in render_repro(load_source(DIFFERS), EAGER, "t")


@pytest.mark.slow
@pytest.mark.parametrize(
    "source,kind,exit_code,words",
    [
        (DIFFERS, Kind.NUMERIC_MISMATCH, 1, "BUG: compiled output[0] disagrees with eager"),
        (PASSES, Kind.NUMERIC_MISMATCH, 0, "eager and compiled agree"),
        (RAISES, Kind.COMPILE_CRASH, 1, "BUG: compiled raised where eager returned"),
    ],
    ids=["bug", "fixed", "crash"],
)
def test_repro_exit_code_in_a_fresh_interpreter(
    source: str, kind: Kind, exit_code: int, words: str
) -> None:
    done = confirm(render_repro(load_source(source), EAGER, "t"), kind, timeout_s=120)
    assert done.exit_code == exit_code, done.output
    assert done.reproduced is (exit_code == 1)
    assert words in done.output
    if exit_code == 1 and kind is Kind.NUMERIC_MISMATCH:
        assert "max abs diff 1" in done.output and "float64 reference" in done.output
