"""Each pass alone, on a tiny program, down to the exact minimum it can reach.

The judge is the crafted one of :mod:`tests.reduce.crafted`: the program really runs
in eager, and ``torch.remainder`` is "miscompiled", so any candidate that keeps a
remainder of the inputs (and stays valid) keeps the bug.
"""

from __future__ import annotations

import inspect
from textwrap import dedent

import pytest

from fuel.reduce import constants, operators, passes
from fuel.reduce.driver import ExitReason, Pass, Shrinker
from tests.reduce.crafted import planted_judge

JUDGE = planted_judge()
INPUTS = """

def make_inputs():
    return (torch.randn(4), torch.rand(4) + 0.5)
"""


def shrink(run_pass: Pass, source: str) -> str:
    reduction = Shrinker(dedent(source), JUDGE, (run_pass,)).run()
    assert reduction.reason is ExitReason.FIXED_POINT
    return reduction.reduced


def program(forward: str, inputs: str = INPUTS, init: str = "") -> str:
    """A Model with the given forward body (and __init__ body), then the inputs."""
    text = "import torch\n\n\nclass Model(torch.nn.Module):\n"
    if init:
        text += "    def __init__(self):\n        super().__init__()\n"
        text += "".join(f"        {line}\n" for line in dedent(init).strip().splitlines())
        text += "\n"
    text += "    def forward(self, x, y):\n"
    text += "".join(f"        {line}\n" for line in dedent(forward).strip().splitlines())
    return text + inputs


def test_remove_dead_code_drops_every_unread_assignment_at_once() -> None:
    source = program("a = torch.relu(x)\nb = torch.tanh(a)\nc = torch.remainder(x, y)\nreturn c")
    assert shrink(passes.remove_dead_code, source) == program("c = torch.remainder(x, y)\nreturn c")


def test_drop_unused_layers_keeps_what_forward_reads() -> None:
    source = program(
        "return torch.remainder(x * self.w, y)",
        init="""
        self.lin = torch.nn.Linear(4, 4)
        self.conv = torch.nn.Conv1d(1, 1, 1)
        self.w = torch.nn.Parameter(torch.ones(4))
        """,
    )
    expected = program(
        "return torch.remainder(x * self.w, y)",
        init="self.w = torch.nn.Parameter(torch.ones(4))",
    )
    assert shrink(passes.drop_unused_layers, source) == expected


def test_keep_one_output_keeps_the_output_that_differs() -> None:
    source = program(
        "a = torch.relu(x)\nb = torch.remainder(x, y)\nc = torch.tanh(y)\nreturn (a, b, c)"
    )
    assert shrink(passes.keep_one_output, source) == program("b = torch.remainder(x, y)\nreturn b")


def test_return_earlier_value_cuts_everything_after_the_faulty_operator() -> None:
    source = program(
        """
        a = torch.relu(x)
        b = torch.sin(a)
        c = torch.remainder(b, y)
        d = torch.tanh(c)
        e = d * 2
        f = torch.cos(e)
        g = f + a
        return g
        """
    )
    assert shrink(passes.return_earlier_value, source) == program(
        "a = torch.relu(x)\nb = torch.sin(a)\nreturn torch.remainder(b, y)"
    )


def test_remove_statements_drops_side_effects_imports_and_main_blocks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = (
        '"""A docstring."""\nimport math\n\n\ndef helper(t):\n    return t * 2\n\n\n'
        + program('x = x.clone()\nx.mul_(3)\nz = torch.remainder(x, y)\nprint("hi")\nreturn z')
        + '\n\nif __name__ == "__main__":\n    print(Model()(*make_inputs()))\n'
    )
    assert shrink(passes.remove_statements, source) == program(
        "z = torch.remainder(x, y)\nreturn z"
    )


def test_remove_statements_drops_the_parameters_a_deletion_left_unread() -> None:
    inputs = (
        "\n\ndef make_inputs():\n    return (torch.randn(4), torch.rand(4) + 0.5, torch.randn(2))\n"
    )
    source = program("a = torch.relu(z)\nprint(a)\nreturn torch.remainder(x, y)", inputs)
    source = source.replace("(self, x, y)", "(self, x, y, z)")
    reduction = Shrinker(dedent(source), JUDGE, (passes.remove_statements,)).run()
    assert reduction.reduced == program("return torch.remainder(x, y)")
    assert reduction.calls <= 4  # the original twice, then one deletion with its tidying


@pytest.mark.parametrize(
    "inputs,expected",
    [
        (
            "\n\ndef make_inputs():\n    return (torch.randn(4), torch.rand(4), torch.randn(2))\n",
            "\n\ndef make_inputs():\n    return (torch.randn(4), torch.rand(4))\n",
        ),
        (
            "\n\nx = torch.randn(4)\ny = torch.rand(4)\nz = torch.randn(2)\n",
            "\n\nx = torch.randn(4)\ny = torch.rand(4)\n",
        ),
        (
            "\n\na = torch.randn(4)\nb = torch.rand(4)\nc = torch.randn(2)\ninputs = [a, b, c]\n",
            "\n\na = torch.randn(4)\nb = torch.rand(4)\nc = torch.randn(2)\ninputs = [a, b]\n",
        ),
    ],
    ids=["make_inputs", "bare", "inputs_list"],
)
def test_drop_unused_parameters_drops_the_matching_input(inputs: str, expected: str) -> None:
    source = program("return torch.remainder(x, y)", inputs).replace(
        "(self, x, y)", "(self, x, y, z)"
    )
    assert shrink(passes.drop_unused_parameters, source) == program(
        "return torch.remainder(x, y)", expected
    )


def test_drop_unused_parameters_takes_the_inputs_only_it_read_along() -> None:
    inputs = (
        "\n\ndef make_inputs():\n    g = torch.Generator().manual_seed(1)\n"
        "    x = torch.randn(4, generator=g)\n    y = torch.rand(4, generator=g) + 0.5\n"
        "    z = torch.randn(2, generator=g)\n    return (x, y, z)\n"
    )
    source = program("return torch.remainder(x, y)", inputs).replace(
        "(self, x, y)", "(self, x, y, z)"
    )
    reduced = shrink(passes.drop_unused_parameters, source)
    assert "z" not in reduced.split("def make_inputs")[1]
    assert "return (x, y)" in reduced


ANCHORED = """
import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer('dtype_float64', torch.zeros((), dtype=torch.float64))

    def forward(self, x, y):
        return torch.remainder(x.to(self.dtype_float64.dtype), y)


def make_inputs():
    return (torch.randn(4), torch.rand(4) + 0.5)
"""


def test_inline_dtype_anchors_names_the_dtype_for_a_crash() -> None:
    reduction = Shrinker(
        ANCHORED, planted_judge(crash=True), (constants.inline_dtype_anchors,)
    ).run()
    assert "x.to(torch.float64)" in reduction.reduced
    assert "register_buffer" not in reduction.reduced
    assert "__init__" not in reduction.reduced  # only super().__init__() was left


def test_inline_dtype_anchors_leaves_value_bugs_their_float64_reference() -> None:
    assert shrink(constants.inline_dtype_anchors, ANCHORED) == ANCHORED


def test_bypass_operations_reads_an_operand_instead_of_the_result() -> None:
    source = program("a = torch.relu(x)\nb = torch.remainder(a, y)\nc = torch.tanh(b)\nreturn c")
    assert shrink(operators.bypass_operations, source) == program(
        "b = torch.remainder(x, y)\nreturn b"
    )


def test_hoist_subexpressions_in_forward_and_make_inputs() -> None:
    source = program("return torch.tanh(torch.remainder(torch.relu(x) * 2, y.abs() + 1)).sum()")
    expected = program(
        "return torch.remainder(x, y)",
        "\n\ndef make_inputs():\n    return (torch.randn(4), torch.rand(4))\n",
    )
    assert shrink(operators.hoist_subexpressions, source) == expected


def test_unwrap_blocks_replaces_a_block_by_its_body() -> None:
    source = program(
        """
        for i in range(3):
            x = x + i
        if x.sum() > 1000:
            y = y * 2
        else:
            y = y + 1
        return torch.remainder(x, y)
        """
    )
    assert shrink(passes.unwrap_blocks, source) == program(
        "i = 0\nx = x + i\ny = y * 2\nreturn torch.remainder(x, y)"
    )


def test_remove_arguments_drops_keywords_and_trailing_positionals() -> None:
    source = program("return torch.remainder(x.sum(dim=0, keepdim=True), y.clamp(0.5, 2.0))")
    assert shrink(passes.remove_arguments, source) == program(
        "return torch.remainder(x.sum(), y.clamp(0.5))"
    )


def test_inline_single_use_merges_short_lines_only() -> None:
    source = program("c = x > y\nz = torch.remainder(x, y)\nreturn z + c")
    assert shrink(operators.inline_single_use, source) == program(
        "return torch.remainder(x, y) + (x > y)"
    )
    long = "a = torch.nn.functional.softplus(x, beta=3.0, threshold=20.0)\n"
    long += "return torch.remainder(torch.nn.functional.hardtanh(a, -2.0, 2.0), y)"
    assert shrink(operators.inline_single_use, program(long)) == program(long)


def test_shrink_integers_shrinks_shared_dimensions_together() -> None:
    source = program(
        "return torch.remainder(self.lin(x), y)",
        "\n\ndef make_inputs():\n    return (torch.randn(8, 16), torch.rand(8, 16) + 0.5)\n",
        init="self.lin = torch.nn.Linear(16, 16)",
    )
    expected = program(
        "return torch.remainder(self.lin(x), y)",
        "\n\ndef make_inputs():\n    return (torch.randn(1, 1), torch.rand(1, 1) + 0.5)\n",
        init="self.lin = torch.nn.Linear(1, 1)",
    )
    assert shrink(constants.shrink_integers, source) == expected


def test_simplify_floats_rounds_constants() -> None:
    source = program(
        "return torch.remainder(x * 2.71828, y)",
        "\n\ndef make_inputs():\n    return (torch.randn(4), torch.rand(4) + 0.5371)\n",
    )
    assert shrink(constants.simplify_floats, source) == program(
        "return torch.remainder(x * 3.0, y)",
        "\n\ndef make_inputs():\n    return (torch.randn(4), torch.rand(4) + 1.0)\n",
    )


def test_simplify_dtypes_prefers_float32() -> None:
    source = program(
        "return torch.remainder(x + m, y)",
        "\n\ndef make_inputs():\n"
        "    return (torch.randn(4), torch.rand(4) + 0.5, torch.ones(4, dtype=torch.int16))\n",
    ).replace("(self, x, y)", "(self, x, y, m)")
    assert "torch.ones(4, dtype=torch.float32)" in shrink(constants.simplify_dtypes, source)


def test_every_pass_is_listed_once_in_passes() -> None:
    names = [p.__name__ for p in passes.PASSES]
    assert len(names) == len(set(names))
    for module in (passes, operators, constants):
        defined = {
            name
            for name, value in vars(module).items()
            if inspect.isfunction(value)
            and value.__module__ == module.__name__
            and not name.startswith("_")
            and list(inspect.signature(value).parameters) == ["shrinker"]
        }
        assert defined <= set(names), defined - set(names)
