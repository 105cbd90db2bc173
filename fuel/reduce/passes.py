"""The shrink passes, listed in one place: :data:`PASSES`.

A pass is a small function of the :class:`~fuel.reduce.driver.Shrinker`. It builds
candidates from ``shrinker.current`` and offers them with ``shrinker.attempt``, which
keeps a candidate only if it is simpler and shows the same bug. Passes never judge and
never keep anything themselves, so a wrong guess costs a run, never a wrong result.

The order is by the size of the cut: first the passes that can delete most of the
program in one run (dead code, all outputs but one, everything after the value that
goes wrong), then statement by statement, then operator by operator. These
(:data:`STRUCTURE`) run to a fixed point before the polish of shapes, constants and
dtypes (:data:`POLISH`), which removes nothing but makes the repro easier to read,
so that a time limit cuts the polish short, not the deletions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fuel.program import syntax
from fuel.reduce import constants, operators
from fuel.reduce.driver import Pass, Shrinker
from fuel.reduce.edits import (
    drop_input,
    exhaust,
    prune_dead,
    prune_dead_attributes,
    simple_assignment,
)

# Functions the loader looks for: deleting one gives a program it refuses.
KEPT_FUNCTIONS = frozenset({"forward", "make_inputs", "make_model"})


def remove_dead_code(shrinker: Shrinker) -> None:
    """Assignments nothing reads, in forward and make_inputs, all in one candidate."""
    tree = shrinker.tree()
    changed = prune_dead(syntax.forward(tree)) | prune_dead(syntax.make_inputs(tree))
    if changed:
        shrinker.attempt(tree)


def drop_unused_layers(shrinker: Shrinker) -> None:
    """Layers and parameters set in __init__ that no method reads, all at once."""
    tree = shrinker.tree()
    if prune_dead_attributes(tree):
        shrinker.attempt(tree)


def keep_one_output(shrinker: Shrinker) -> None:
    """``return a, b, c`` becomes ``return b`` (the output that differs, tried first)."""

    def candidates(source: str) -> Iterator[ast.Module | None]:
        elements = _returned_elements(syntax.parse(source))
        hint = _output_index(shrinker)
        order = sorted(range(len(elements)), key=lambda i: i != hint)
        for keep in order:
            tree = syntax.parse(source)
            returned = syntax.nodes_of(syntax.forward(tree), ast.Return)[-1]
            value = _returned_elements(tree)[keep]
            returned.value = value
            prune_dead(syntax.forward(tree))
            yield tree
        for drop in range(len(elements)):
            tree = syntax.parse(source)
            del _returned_elements(tree)[drop]
            prune_dead(syntax.forward(tree))
            yield tree

    exhaust(shrinker, candidates)


def _returned_elements(tree: ast.Module) -> list[ast.expr]:
    returns = syntax.nodes_of(syntax.forward(tree), ast.Return)
    if returns and isinstance(returns[-1].value, (ast.Tuple, ast.List)):
        return returns[-1].value.elts
    return []


def _output_index(shrinker: Shrinker) -> int:
    numeric = shrinker.target.numeric if shrinker.target else None
    if numeric and numeric.where.startswith("output["):
        return int(numeric.where[len("output[") :].split("]")[0])
    return 0


def return_earlier_value(shrinker: Shrinker) -> None:
    """Return an intermediate value instead, dropping all that came after it.

    A binary search for the earliest value that still shows the bug: where a wrong
    result propagates to the output, every value from the faulty operator on shows
    it, so log2(statements) runs cut a long ``forward`` down to the faulty part.
    Values nothing reads are tried first, one by one: once ``remove_dead_code`` has
    run, dead code is left only where deleting it lost the bug (a crash in a value
    the output never uses), and there the search's premise does not hold.
    """
    for name in _assigned_in_order(shrinker.tree()):
        func = syntax.forward(shrinker.tree())
        if func is not None and name not in syntax.loaded_names(func):
            shrinker.attempt(_returning(shrinker.tree(), name))
    low = 0
    while True:
        names = _assigned_in_order(shrinker.tree())
        if low >= len(names):
            return
        middle = (low + len(names) - 1) // 2
        if not shrinker.attempt(_returning(shrinker.tree(), names[middle])):
            low = middle + 1


def _assigned_in_order(tree: ast.Module) -> list[str]:
    """Names assigned by forward's top-level statements, first assignment first,
    without the one the last statement already returns."""
    func = syntax.forward(tree)
    if func is None:
        return []
    names: list[str] = []
    for statement in func.body:
        if isinstance(statement, ast.Assign):
            names += [n for n in sorted(syntax.stored_names(statement)) if n not in names]
    last = func.body[-1]
    if isinstance(last, ast.Return) and isinstance(last.value, ast.Name):
        names = [n for n in names if n != last.value.id]
    return names


def _returning(tree: ast.Module, name: str) -> ast.Module | None:
    func = syntax.forward(tree)
    if func is None:
        return None
    storing = [i for i, s in enumerate(func.body) if name in syntax.stored_names(s)]
    if not storing:  # gone since the pass listed it
        return None
    last = storing[-1]
    statement = func.body[last]
    if (
        isinstance(statement, ast.Assign)
        and simple_assignment(statement)
        and name not in syntax.loaded_names(statement.value)
    ):  # ``return f(x)`` rather than ``y = f(x)`` and ``return y``: strictly smaller
        func.body[last:] = [ast.Return(statement.value)]
    else:
        func.body[last + 1 :] = [ast.Return(ast.Name(name, ast.Load()))]
    prune_dead(func)
    return tree


def remove_statements(shrinker: Shrinker) -> None:
    """Delete runs of statements anywhere, long runs first, from the end backwards.

    Most deletions leave a name undefined; the shrinker refuses those statically, so
    only deletions that may run are judged. Each candidate is tidied as well: what the
    deletion left unread goes in the same run (assignments in forward, forward's
    parameters and the inputs' places in the call), so that this pass, which may take
    the whole time limit, does not leave that to the passes after it.
    """

    def candidates(source: str) -> Iterator[ast.Module | None]:
        lists = list(syntax.bodies(syntax.parse(source)))
        for which in range(len(lists)):
            length = len(lists[which])
            size = length
            while size >= 1:
                for start in range(length - size, -1, -1):
                    tree = syntax.parse(source)
                    body = list(syntax.bodies(tree))[which]
                    if all(_removable(tree, s) for s in body[start : start + size]):
                        del body[start : start + size]
                        yield _tidied(tree)
                size //= 2

    exhaust(shrinker, candidates)


def _tidied(tree: ast.Module) -> ast.Module:
    """Unread assignments in forward go, then its unread parameters with their places
    in the call (the statements building those inputs stay: a later one may draw from
    the same generator)."""
    prune_dead(syntax.forward(tree))
    unused = _unused_parameters(tree)
    if not unused:
        return tree
    return _without_parameters(syntax.render(tree), unused, prune_inputs=False) or tree


def _removable(tree: ast.Module, statement: ast.stmt) -> bool:
    """Not the model class, forward, make_inputs, a return, nor super().__init__()."""
    if statement is syntax.model_class(tree) or isinstance(statement, ast.Return):
        return False
    if isinstance(statement, ast.FunctionDef) and statement.name in KEPT_FUNCTIONS:
        return False
    return not (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Attribute)
        and statement.value.func.attr == "__init__"
    )


def drop_unused_parameters(shrinker: Shrinker) -> None:
    """Forward parameters nothing reads go, with the inputs that fed them: all at once
    first (one run for the usual case), then one at a time."""

    def candidates(source: str) -> Iterator[ast.Module | None]:
        unused = _unused_parameters(syntax.parse(source))
        groups = ([unused] if len(unused) > 1 else []) + [[index] for index in unused]
        for indices in groups:
            # The inputs only the dropped parameters read go in the same run; kept if
            # that changes the bug (an input drawn before another shifts its values).
            yield _without_parameters(source, indices, prune_inputs=True)
            yield _without_parameters(source, indices, prune_inputs=False)

    exhaust(shrinker, candidates)


def _unused_parameters(tree: ast.Module) -> list[int]:
    func = syntax.forward(tree)
    if func is None:
        return []
    read = syntax.loaded_names(func)
    return [i for i, a in enumerate(func.args.args[1:]) if a.arg not in read]


def _without_parameters(source: str, indices: list[int], prune_inputs: bool) -> ast.Module | None:
    tree = syntax.parse(source)
    for index in sorted(indices, reverse=True):  # the last first: indices stay valid
        if not drop_input(tree, index):  # while forward still has the parameter
            return None
        func = syntax.forward(tree)
        assert func is not None
        del func.args.args[index + 1]
    if prune_inputs:
        prune_dead(syntax.make_inputs(tree))
    return tree


def unwrap_blocks(shrinker: Shrinker) -> None:
    """``if``, ``for``, ``with`` and ``try`` blocks are replaced by their bodies."""

    def candidates(source: str) -> Iterator[ast.Module | None]:
        count = len(syntax.nodes_of(syntax.parse(source), syntax.COMPOUND))
        for index in range(count):
            for branch in ("body", "orelse"):
                tree = syntax.parse(source)
                block = syntax.nodes_of(tree, syntax.COMPOUND)[index]
                yield _unwrapped(tree, block, branch)

    exhaust(shrinker, candidates)


def _unwrapped(tree: ast.Module, block: ast.stmt, branch: str) -> ast.Module | None:
    inner: list[ast.stmt] = list(getattr(block, branch, None) or [])
    if not inner:
        return None
    if isinstance(block, ast.For) and isinstance(block.target, ast.Name):
        inner.insert(0, ast.Assign([block.target], ast.Constant(0)))
    body = next(b for b in syntax.bodies(tree) if block in b)
    position = body.index(block)
    body[position : position + 1] = inner
    return tree


def remove_arguments(shrinker: Shrinker) -> None:
    """Keyword arguments go (the default is simpler to read), then trailing positionals."""

    def candidates(source: str) -> Iterator[ast.Module | None]:
        calls = syntax.nodes_of(syntax.parse(source), ast.Call)
        for index, call in enumerate(calls):
            for keyword in range(len(call.keywords)):
                tree = syntax.parse(source)
                del syntax.nodes_of(tree, ast.Call)[index].keywords[keyword]
                yield tree
        for index, call in enumerate(calls):
            if len(call.args) > 1:
                tree = syntax.parse(source)
                syntax.nodes_of(tree, ast.Call)[index].args.pop()
                yield tree

    exhaust(shrinker, candidates)


# Passes that delete: statements, operators, arguments. Run to a fixed point first,
# since statements in forward are what "simpler" counts first.
STRUCTURE: tuple[Pass, ...] = (
    remove_dead_code,
    constants.inline_dtype_anchors,
    drop_unused_layers,
    keep_one_output,
    return_earlier_value,
    remove_statements,
    drop_unused_parameters,
    operators.bypass_operations,
    operators.hoist_subexpressions,
    unwrap_blocks,
    remove_arguments,
    operators.inline_single_use,
)
# Passes that polish values; once per structural fixed point.
POLISH: tuple[Pass, ...] = (
    constants.shrink_integers,
    constants.simplify_floats,
    constants.simplify_dtypes,
)
PASSES: tuple[Pass, ...] = STRUCTURE + POLISH
