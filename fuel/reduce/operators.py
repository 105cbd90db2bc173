"""Passes that work operator by operator inside ``forward``.

Where the structural passes of :mod:`fuel.reduce.passes` delete whole statements,
these take one operator out at a time: its result is replaced by one of its
operands (``y = f(a, b)`` -> later uses read ``a``), a nested call by its argument,
and a value read once is folded into the statement that reads it.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator

from fuel.program import syntax
from fuel.reduce.driver import Shrinker
from fuel.reduce.edits import (
    COMPOUND_EXPRESSIONS,
    exhaust,
    fold_aliases,
    operands,
    prune_dead,
    simple_assignment,
    tensor_names,
)

# A statement merged with the one before it stays on a line a reader takes in at once.
INLINE_MAX_CHARS = 80


def bypass_operations(shrinker: Shrinker) -> None:
    """``y = f(a, b)`` goes, and later uses of ``y`` read ``a`` (or ``b``) instead."""

    def candidates(source: str) -> Iterator[ast.Module | None]:
        tree = syntax.parse(source)
        func = syntax.forward(tree)
        if func is None:
            return
        statements = [s for s in syntax.nodes_of(func, ast.Assign) if simple_assignment(s)]
        tensors = tensor_names(tree, func)
        for index in range(len(statements) - 1, -1, -1):
            for choice in range(len(list(operands(statements[index].value, tensors)))):
                yield _bypassed(source, index, choice)

    exhaust(shrinker, candidates)


def _bypassed(source: str, index: int, choice: int) -> ast.Module | None:
    tree = syntax.parse(source)
    func = syntax.forward(tree)
    assert func is not None
    statement = [s for s in syntax.nodes_of(func, ast.Assign) if simple_assignment(s)][index]
    replacement = list(operands(statement.value, tensor_names(tree, func)))[choice]
    statement.value = copy.deepcopy(replacement)
    fold_aliases(func)
    prune_dead(func)
    return tree


def hoist_subexpressions(shrinker: Shrinker) -> None:
    """An operator is replaced by one of its operands: ``f(g(x))`` -> ``g(x)`` or ``x``.

    In forward first, then in make_inputs (``torch.rand(4) * 3 + 1`` -> ``torch.rand(4)``).
    """
    for find in (syntax.forward, syntax.make_inputs):

        def candidates(source: str) -> Iterator[ast.Module | None]:
            tree = syntax.parse(source)
            func = find(tree)  # noqa: B023 (used before the loop moves on)
            if func is None:
                return
            tensors = tensor_names(tree, func)
            for index, node in enumerate(_compound(func)):
                for choice in range(len(list(operands(node, tensors)))):
                    yield _hoisted(source, find, index, choice)  # noqa: B023

        exhaust(shrinker, candidates)


def _compound(func: ast.FunctionDef) -> list[ast.expr]:
    return [n for n in ast.walk(func) if isinstance(n, COMPOUND_EXPRESSIONS)]


def _hoisted(
    source: str, find: Callable[[ast.Module], ast.FunctionDef | None], index: int, choice: int
) -> ast.Module | None:
    tree = syntax.parse(source)
    func = find(tree)
    assert func is not None
    node = _compound(func)[index]
    replacement = list(operands(node, tensor_names(tree, func)))[choice]
    if not syntax.replace_node(func, node, replacement):
        return None
    fold_aliases(func)
    prune_dead(func)
    return tree


def inline_single_use(shrinker: Shrinker) -> None:
    """``y = f(x)`` read once, by the very next statement, moves into it: ``g(f(x))``.

    Only where the merged line stays short (``INLINE_MAX_CHARS``): one statement
    fewer is simpler, one unreadable line is not.
    """

    def candidates(source: str) -> Iterator[ast.Module | None]:
        func = syntax.forward(syntax.parse(source))
        for index in range(len(func.body) - 1 if func else 0):
            yield _inlined(source, index)

    exhaust(shrinker, candidates)


def _inlined(source: str, index: int) -> ast.Module | None:
    tree = syntax.parse(source)
    func = syntax.forward(tree)
    assert func is not None
    statement, following = func.body[index], func.body[index + 1]
    if not (isinstance(statement, ast.Assign) and simple_assignment(statement)):
        return None
    name = statement.targets[0]
    assert isinstance(name, ast.Name)
    reads = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == name.id]
    if len(reads) != 2 or not any(r is n for r in reads for n in ast.walk(following)):
        return None  # the assignment and exactly one read, in the next statement
    syntax.rename(following, name.id, statement.value)
    if len(ast.unparse(following)) > INLINE_MAX_CHARS:
        return None
    del func.body[index]
    return tree
