"""Edits that passes share: dead code, operands, the inputs that match a parameter.

Each edit works in place on a tree the pass has just parsed, and says whether it
changed anything. None of them judges; they only build candidates.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator

from fuel.errors import Rejected
from fuel.program import load_source, syntax
from fuel.program.record import InputStyle
from fuel.program.syntax import loaded_names, stored_names
from fuel.reduce.driver import Shrinker
from fuel.reduce.scope import defined_at_module

Candidates = Callable[[str], Iterable[ast.Module | None]]
COMPOUND_EXPRESSIONS = (ast.Call, ast.BinOp, ast.UnaryOp, ast.Subscript, ast.Compare,
                        ast.IfExp, ast.BoolOp)  # fmt: skip
# Modules a program names by a short alias: their attributes are functions, not tensors.
MODULE_ALIASES = frozenset({"torch", "nn", "F", "math", "np", "numpy", "functional"})


def exhaust(shrinker: Shrinker, candidates: Candidates) -> None:
    """Try the candidates in order; after each one kept, start again from the new program.

    Candidates tried before are answered by the shrinker's cache, so starting again
    costs only the building of candidates, never a second run.
    """
    progress = True
    while progress:
        progress = False
        for candidate in candidates(shrinker.current):
            if shrinker.attempt(candidate):
                progress = True
                break


def simple_assignment(statement: ast.AST) -> bool:
    """``name = value``: one target, a plain name."""
    return (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    )


def is_mutating(node: ast.AST) -> bool:
    """Does the expression call an in-place method (``add_``) or pass ``out=``?"""
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            func = child.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr.endswith("_")
                and not (func.attr.startswith("__"))
            ):
                return True
            if any(k.arg == "out" for k in child.keywords):
                return True
    return False


def prune_dead(func: ast.FunctionDef | None) -> bool:
    """Delete assignments whose names nothing reads, until none is left; changed?"""
    if func is None:
        return False
    changed = False
    while True:
        removed = False
        for body in list(syntax.bodies(func)):
            for statement in list(body):
                if _dead(statement, func):
                    body.remove(statement)
                    removed = changed = True
        if not removed:
            syntax.fill_empty_bodies(func)  # type: ignore[arg-type]
            return changed


def _dead(statement: ast.stmt, func: ast.FunctionDef) -> bool:
    if not isinstance(statement, ast.Assign) or is_mutating(statement.value):
        return False
    if not all(isinstance(t, (ast.Name, ast.Tuple)) for t in statement.targets):
        return False
    names = stored_names(statement)
    return bool(names) and not (names & loaded_names(func))


def fold_aliases(func: ast.FunctionDef) -> None:
    """``y = x`` (each name bound once) goes; later reads of ``y`` read ``x``. Passes
    that turn an operator into its operand leave such aliases behind."""
    for body in list(syntax.bodies(func)):
        for statement in list(body):
            if not (
                isinstance(statement, ast.Assign)
                and simple_assignment(statement)
                and isinstance(statement.value, ast.Name)
            ):
                continue
            alias, original = statement.targets[0], statement.value
            assert isinstance(alias, ast.Name)
            if _stores(func, alias.id) != 1 or _stores(func, original.id) > 1:
                continue  # rebound somewhere: the two names do not always agree
            position = body.index(statement)
            del body[position]
            for later in body[position:]:
                syntax.rename(later, alias.id, original)


def _stores(func: ast.FunctionDef, name: str) -> int:
    return sum(
        1
        for n in ast.walk(func)
        if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
    )


def prune_dead_attributes(tree: ast.Module) -> bool:
    """Delete ``self.X = ...`` in the model's __init__ when nothing reads ``self.X``."""
    cls, init = syntax.model_class(tree), syntax.init(tree)
    if cls is None or init is None:
        return False
    read = syntax.self_attributes(cls, ast.Load)
    dead = [
        s for s in init.body
        if isinstance(s, ast.Assign) and len(s.targets) == 1
        and isinstance(s.targets[0], ast.Attribute)
        and syntax.self_attributes(s.targets[0], ast.Store)
        and not (syntax.self_attributes(s.targets[0], ast.Store) & read)
        and not is_mutating(s.value)
    ]  # fmt: skip
    for statement in dead:
        init.body.remove(statement)
    syntax.fill_empty_bodies(tree)
    return bool(dead)


def tensor_names(tree: ast.Module, func: ast.FunctionDef) -> set[str]:
    """Names in ``func`` that may hold tensors: its parameters and locals."""
    params = {a.arg for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs}
    return (params | stored_names(func)) - {"self"} - (defined_at_module(tree) - params)


def operands(expr: ast.expr, tensors: set[str]) -> Iterator[ast.expr]:
    """The sub-expressions of ``expr`` that may stand in for it: tensors, not constants.

    For a call, its arguments (looking inside lists and tuples) and the object of a
    method call (``x`` in ``x.sum()``); for operators, their operands.
    """
    children: list[ast.expr] = []
    if isinstance(expr, ast.Call):
        if isinstance(expr.func, ast.Attribute) and not _is_module(expr.func.value):
            children.append(expr.func.value)
        children += list(expr.args) + [k.value for k in expr.keywords]
    elif isinstance(expr, ast.BinOp):
        children += [expr.left, expr.right]
    elif isinstance(expr, ast.UnaryOp):
        children.append(expr.operand)
    elif isinstance(expr, ast.Subscript):
        children.append(expr.value)
    elif isinstance(expr, ast.Compare):
        children += [expr.left, *expr.comparators]
    elif isinstance(expr, ast.IfExp):
        children += [expr.body, expr.orelse]
    elif isinstance(expr, ast.BoolOp):
        children += expr.values
    for child in children:
        if isinstance(child, (ast.List, ast.Tuple)):
            yield from (e for e in child.elts if _tensor_like(e, tensors))
        elif _tensor_like(child, tensors):
            yield child


def _is_module(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in MODULE_ALIASES


def _tensor_like(node: ast.expr, tensors: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in tensors
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) and node.value.id == "self"
    return isinstance(node, COMPOUND_EXPRESSIONS)


def drop_input(tree: ast.Module, index: int) -> bool:
    """Remove the input that feeds forward's ``index``-th parameter; False if unsure."""
    try:
        spec = load_source(syntax.render(tree), allow_unsafe=True)
    except Rejected:
        return False
    if spec.input_style is InputStyle.BARE_TENSORS:
        return _remove_module_assignment(tree, spec.input_names[index])
    if spec.input_style is InputStyle.INPUTS_LIST:
        value = _module_value(tree, spec.input_names[0])
    else:
        function = syntax.make_inputs(tree)
        returns = syntax.nodes_of(function, ast.Return)
        value = returns[-1].value if returns else None
    if isinstance(value, (ast.Tuple, ast.List)) and index < len(value.elts):
        del value.elts[index]
        return True
    return False


def _module_value(tree: ast.Module, name: str) -> ast.expr | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and name in stored_names(node):
            return node.value
    return None


def _remove_module_assignment(tree: ast.Module, name: str) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and stored_names(node) == {name}:
            tree.body.remove(node)
            return True
    return False
