"""Property tests: on generated bug-like programs, reduction keeps the bug and shrinks.

Hypothesis writes straight-line programs of elementwise operators, layers and extra
inputs, with one ``torch.remainder`` somewhere; the crafted judge miscompiles (or
crashes on) that operator. Whatever the program, the reduced one must show the same
bug, be no less simple, and come down to the remainder itself.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fuel.judge.signature import same_bug
from fuel.program import syntax
from fuel.reduce.driver import ExitReason, Shrinker
from fuel.reduce.passes import POLISH, STRUCTURE
from fuel.reduce.simpler import simpler_key
from tests.reduce.crafted import planted_judge

UNARY = ("torch.relu({})", "torch.tanh({})", "torch.sin({})", "{}.abs()", "({} * 2.5)",
         "torch.sigmoid({})", "{}.cumsum(dim=-1)", "{}.flip(0)", "self.lin({})")  # fmt: skip
BINARY = ("({} + {})", "({} * {})", "torch.maximum({}, {})", "torch.atan2({}, {})")
JUDGES = {crash: planted_judge(crash=crash) for crash in (False, True)}


@st.composite
def bug_programs(draw: st.DrawFn) -> str:
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    count = draw(st.integers(1, 10))
    faulty = draw(st.integers(0, count - 1))
    values = ["x", "y"]
    lines = []
    for index in range(count):
        pick = st.sampled_from(values)
        if index == faulty:
            expression = f"torch.remainder({draw(pick)}, y.abs() + 0.5)"
        elif draw(st.booleans()):
            expression = draw(st.sampled_from(UNARY)).format(draw(pick))
        else:
            expression = draw(st.sampled_from(BINARY)).format(draw(pick), draw(pick))
        lines.append(f"        v{index} = {expression}")
        values.append(f"v{index}")
    outputs = draw(st.lists(st.sampled_from(values[2:]), min_size=1, max_size=3, unique=True))
    extra = draw(st.booleans())
    return (
        "import torch\n\n\nclass Model(torch.nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        f"        self.lin = torch.nn.Linear({cols}, {cols})\n\n"
        f"    def forward(self, x, y{', w' if extra else ''}):\n"
        + "\n".join(lines)
        + f"\n        return {', '.join(outputs)}\n\n\n"
        + "def make_inputs():\n"
        + f"    return (torch.randn({rows}, {cols}), torch.rand({rows}, {cols})"
        + (", torch.randn(3))\n" if extra else ")\n")
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=bug_programs(), crash=st.booleans())
def test_reduction_keeps_the_bug_and_finds_the_faulty_operator(source: str, crash: bool) -> None:
    judge = JUDGES[crash]
    original = judge(source)
    assume(original.is_bug)  # the planted error may be masked (relu of negatives...)
    reduction = Shrinker(source, judge, STRUCTURE, polish=POLISH, time_limit_s=60).run()
    assert reduction.reason is ExitReason.FIXED_POINT
    assert same_bug(original, judge(reduction.reduced))
    assert simpler_key(reduction.reduced) <= simpler_key(source)
    tree = syntax.parse(reduction.reduced)
    assert "torch.remainder" in ast_source(tree)
    assert syntax.forward_statements(tree) == 1, reduction.reduced


def ast_source(tree: object) -> str:
    import ast

    assert isinstance(tree, ast.Module)
    func = syntax.forward(tree)
    return ast.unparse(func) if func else ""
