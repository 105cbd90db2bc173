"""Passes that polish values: smaller shapes and numbers, plainer floats and dtypes.

They delete nothing, but a repro with ``torch.randn(2, 3)`` and float32 reads faster
than one with ``torch.randn(37, 129)`` and bfloat16, and small tensors print whole.
An integer is first replaced everywhere at once (a dimension shared by a layer and
its input must shrink together), then one occurrence at a time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fuel.program import syntax
from fuel.reduce.driver import Shrinker
from fuel.reduce.edits import exhaust
from fuel.reduce.simpler import DTYPE_RANK, UNLISTED_DTYPE_RANK, is_dtype_attribute

# Replacement dtypes in order of preference; the first ones simpler than the current
# are tried. Three tries per dtype keep a long program from spending its budget here.
PLAIN_DTYPES = ("float32", "float64", "int64", "int32", "bool", "float16")
DTYPE_TRIES = 3


def _ints(tree: ast.AST) -> list[tuple[ast.Constant, int]]:
    """Integer constants (not bools) with their values, in walk order."""
    return [
        (n, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, int) and type(n.value) is int
    ]


def _floats(tree: ast.AST) -> list[tuple[ast.Constant, float]]:
    """Finite float constants with their values, in walk order."""
    return [
        (n, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, float)
        and n.value == n.value
        and abs(n.value) != float("inf")
    ]


def smaller_ints(value: int) -> list[int]:
    """1, 2, then half: a dimension of 1 is the simplest, halving finds the rest."""
    return [w for w in dict.fromkeys((1, 2, value // 2)) if 0 < w < value]


def shrink_integers(shrinker: Shrinker) -> None:
    """Integer constants (shapes above all) get smaller: everywhere at once, then singly."""

    def everywhere(source: str) -> Iterator[ast.Module | None]:
        values = sorted({v for _, v in _ints(syntax.parse(source)) if v >= 2})
        for value in reversed(values):
            for smaller in smaller_ints(value):
                tree = syntax.parse(source)
                for node, old in _ints(tree):
                    if old == value:
                        node.value = smaller
                yield tree

    def singly(source: str) -> Iterator[ast.Module | None]:
        for index, (_, value) in enumerate(_ints(syntax.parse(source))):
            for smaller in smaller_ints(value):
                tree = syntax.parse(source)
                _ints(tree)[index][0].value = smaller
                yield tree

    exhaust(shrinker, everywhere)
    exhaust(shrinker, singly)


def plainer_floats(value: float) -> list[float]:
    """Rounder numbers near ``value``: 3.0 for 2.7183, then 2.7, then 2.72."""
    found = [float(round(value)), round(value, 1), round(value, 2)]
    return [f for f in dict.fromkeys(found) if f != value]


def simplify_floats(shrinker: Shrinker) -> None:
    """Float constants with many digits become rounder ones."""

    def candidates(source: str) -> Iterator[ast.Module | None]:
        for index, (_, value) in enumerate(_floats(syntax.parse(source))):
            for plainer in plainer_floats(value):
                tree = syntax.parse(source)
                _floats(tree)[index][0].value = plainer
                yield tree

    exhaust(shrinker, candidates)


def _dtype_nodes(tree: ast.AST) -> list[ast.Attribute]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and is_dtype_attribute(n)]


def simplify_dtypes(shrinker: Shrinker) -> None:
    """``torch.bfloat16`` becomes ``torch.float32`` (or the next plainest type that works)."""

    def candidates(source: str) -> Iterator[ast.Module | None]:
        for index, node in enumerate(_dtype_nodes(syntax.parse(source))):
            rank = DTYPE_RANK.get(node.attr, UNLISTED_DTYPE_RANK)
            plainer = [d for d in PLAIN_DTYPES if DTYPE_RANK[d] < rank][:DTYPE_TRIES]
            for name in plainer:
                tree = syntax.parse(source)
                _dtype_nodes(tree)[index].attr = name
                yield tree

    exhaust(shrinker, candidates)
