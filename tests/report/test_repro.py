"""The standalone repro: plain torch, every input style, and its exit code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fuel.execute.records import CompileOptions
from fuel.program import load_file, load_source
from fuel.report.repro import render_repro, split_program

ROOT = Path(__file__).parents[2]
EAGER = CompileOptions(backend="eager")  # Dynamo alone: a repro runs in seconds

DIFFERS = (ROOT / "tests" / "programs" / "compile_differs.py").read_text()


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
