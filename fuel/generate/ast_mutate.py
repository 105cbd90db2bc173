"""Mutation of programs that have no recipe (written by hand or by an LLM).

Without a recipe the generator cannot replay a program, and it never runs foreign
code in its own process, so these edits are chosen to keep a working program working
as often as possible: swap one elementwise function for another of the same form,
swap ``+``/``-``/``*``, flip a comparison, change a floating dtype, or shrink a float
constant. Each is a small named function over the syntax tree; the campaign checks
the result like any other program.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Callable, Sequence

from fuel.program import parsing

FLOAT_DTYPES = ("float32", "float16", "bfloat16", "float64")
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult)
COMPARISONS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)

AstMutation = Callable[[ast.Module, random.Random, Sequence[str]], bool]


def unary_calls(tree: ast.Module, unary: Sequence[str]) -> list[ast.Attribute]:
    """``torch.sin(x)`` and ``x.sin()`` call targets whose name is a unary function."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if func.attr not in unary:
                continue
            is_function = isinstance(func.value, ast.Name) and func.value.id == "torch"
            arity = 1 if is_function else 0
            if len(node.args) == arity and not node.keywords:
                found.append(func)
    return found


def swap_unary(tree: ast.Module, rng: random.Random, unary: Sequence[str]) -> bool:
    calls = unary_calls(tree, unary)
    if not calls:
        return False
    target = rng.choice(calls)
    target.attr = rng.choice([u for u in unary if u != target.attr])
    return True


def swap_arithmetic(tree: ast.Module, rng: random.Random, unary: Sequence[str]) -> bool:
    found = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ARITHMETIC)]
    if not found:
        return False
    node = rng.choice(found)
    node.op = rng.choice([op for op in ARITHMETIC if not isinstance(node.op, op)])()
    return True


def flip_comparison(tree: ast.Module, rng: random.Random, unary: Sequence[str]) -> bool:
    found = [
        (n, i)
        for n in ast.walk(tree)
        if isinstance(n, ast.Compare)
        for i, op in enumerate(n.ops)
        if isinstance(op, COMPARISONS)
    ]
    if not found:
        return False
    node, i = rng.choice(found)
    node.ops[i] = rng.choice([op for op in COMPARISONS if not isinstance(node.ops[i], op)])()
    return True


def change_float_dtype(tree: ast.Module, rng: random.Random, unary: Sequence[str]) -> bool:
    """A floating input in another precision (only ``make_inputs`` is edited)."""
    makers = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "make_inputs"]
    found = [
        n
        for f in makers
        for n in ast.walk(f)
        if isinstance(n, ast.Attribute)
        and n.attr in FLOAT_DTYPES
        and isinstance(n.value, ast.Name)
        and n.value.id == "torch"
    ]
    if not found:
        return False
    node = rng.choice(found)
    node.attr = rng.choice([d for d in FLOAT_DTYPES if d != node.attr])
    return True


def scale_constant(tree: ast.Module, rng: random.Random, unary: Sequence[str]) -> bool:
    forward = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "forward"]
    found = [
        c
        for f in forward
        for c in ast.walk(f)
        if isinstance(c, ast.Constant) and type(c.value) is float
    ]
    if not found:
        return False
    node = rng.choice(found)
    # Shrinking keeps probabilities, margins and epsilons in their ranges.
    node.value = float(node.value) * rng.choice((0.5, 0.25))  # type: ignore[arg-type]
    return True


AST_MUTATIONS: tuple[AstMutation, ...] = (
    swap_unary,
    swap_arithmetic,
    flip_comparison,
    change_float_dtype,
    scale_constant,
)


def mutate_source(source: str, seed: int, unary: Sequence[str]) -> tuple[str, str] | None:
    """(mutated source, mutation name), or None when no edit applies or it does not parse."""
    try:
        tree = parsing.parse(source)
    except (SyntaxError, ValueError):
        return None
    rng = random.Random(seed)
    for mutation in rng.sample(AST_MUTATIONS, len(AST_MUTATIONS)):
        if mutation(tree, rng, unary):
            return ast.unparse(ast.fix_missing_locations(tree)) + "\n", mutation.__name__
    return None
