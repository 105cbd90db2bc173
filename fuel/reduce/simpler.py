"""The one meaning of "simpler": a sort key over programs, compared as a tuple.

A candidate is kept only when its key is strictly smaller than the current program's
(and it shows the same bug), so the reducer can never cycle, and every pass agrees on
what progress is. In order of importance:

1. statements in ``forward``: what a maintainer reads first, and the issue's target;
2. statements anywhere (``__init__``, ``make_inputs``, module level);
3. syntax nodes: fewer operators, arguments, keywords;
4. the weight of integer constants: smaller shapes and smaller numbers;
5. the rank of the dtypes named: float32 first, exotic types last;
6. the digits of float constants: 1.0 before 0.5 before 0.7312;
7. the length of the source, then the source itself, so that the order is total.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fuel.program import syntax

# float32 is torch's default and needs no explanation in a report; then the other
# common types; the exotic ones last. Unlisted dtypes rank after all of these.
DTYPE_RANK = {
    name: rank
    for rank, name in enumerate(
        ("float32", "float", "float64", "double", "int64", "long", "int32", "int", "bool",
         "float16", "half", "bfloat16", "int16", "short", "int8", "uint8", "complex64",
         "cfloat", "complex128", "cdouble")
    )
}  # fmt: skip
UNLISTED_DTYPE_RANK = len(DTYPE_RANK)
# An integer constant weighs its magnitude, capped: 1024 and 10**9 are both "big".
INT_WEIGHT_CAP = 1 << 12


@dataclass(frozen=True, slots=True)
class Size:
    """How big a program is, for humans (before/after lines) and for the key."""

    forward_statements: int
    statements: int
    nodes: int
    int_weight: int
    dtype_rank: int
    float_digits: int
    chars: int

    def line(self) -> str:
        return f"{self.forward_statements} statements in forward, {self.statements} in all"


def measure(tree: ast.Module) -> Size:
    nodes = list(ast.walk(tree))
    ints = [n.value for n in nodes if isinstance(n, ast.Constant) and type(n.value) is int]
    floats = [n.value for n in nodes if isinstance(n, ast.Constant) and type(n.value) is float]
    dtypes = [n.attr for n in nodes if isinstance(n, ast.Attribute) and is_dtype_attribute(n)]
    return Size(
        forward_statements=syntax.forward_statements(tree),
        statements=syntax.statement_count(tree),
        nodes=len(nodes),
        int_weight=sum(min(abs(v), INT_WEIGHT_CAP) for v in ints),
        dtype_rank=sum(DTYPE_RANK.get(d, UNLISTED_DTYPE_RANK) for d in dtypes),
        float_digits=sum(float_digits(v) for v in floats),
        chars=len(syntax.render(tree)),
    )


def simpler_key(source: str) -> tuple[int, int, int, int, int, int, int, str]:
    tree = syntax.parse(source)
    s = measure(tree)
    return (s.forward_statements, s.statements, s.nodes, s.int_weight, s.dtype_rank,
            s.float_digits, s.chars, source)  # fmt: skip


def float_digits(value: float) -> int:
    """How much there is to read in a float: 1.0 -> 1, 0.5 -> 2, 3.14159 -> 6."""
    if value != value or value in (float("inf"), float("-inf")):
        return 1
    text = repr(abs(value)).removesuffix(".0").replace(".", "").lstrip("0")
    return max(1, len(text))


def is_dtype_attribute(node: ast.Attribute) -> bool:
    """``torch.float16`` and the like (the attribute of the name ``torch``)."""
    return (
        isinstance(node.value, ast.Name)
        and node.value.id == "torch"
        and (node.attr in DTYPE_RANK or node.attr.startswith(("float8", "uint", "int", "complex")))
    )
