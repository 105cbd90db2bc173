"""A static look at whether a candidate can run at all, before paying for a compile.

Most deletions a pass proposes break the program outright: a statement whose result
is used later, a layer that ``forward`` calls. Running such a candidate costs a
worker round trip (eager, then the compile) only to learn that it is invalid. This
module finds those statically: a name read before any statement defines it, or an
attribute ``self.X`` read in a class that never sets it. It is an approximation that
errs on the side of running the candidate: whatever it lets through, the judge sees.
"""

from __future__ import annotations

import ast
import functools

from fuel.program.syntax import BUILTIN_NAMES, loaded_names, self_attributes, stored_names

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
SCOPES = (*FUNCTIONS, ast.ClassDef)


@functools.cache
def module_attributes() -> frozenset[str]:
    """What every ``nn.Module`` has (``self.training``, ``self.register_buffer``...)."""
    import torch

    return frozenset(dir(torch.nn.Module()))


def problems(tree: ast.Module) -> list[str]:
    """Why the program cannot run, one line each; empty when it may well run."""
    found = [f"name '{n}' is not defined" for n in undefined_names(tree)]
    return found + [f"attribute 'self.{a}' is never set" for a in missing_attributes(tree)]


def defined_at_module(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        else:
            names |= stored_names(node)
    return names


def parameters(func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    args = func.args
    every = args.posonlyargs + args.args + args.kwonlyargs
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return {a.arg for a in every + extra}


def undefined_names(tree: ast.Module) -> list[str]:
    """Names read where no earlier statement (or enclosing scope) defines them."""
    known = defined_at_module(tree) | BUILTIN_NAMES
    missing: list[str] = []
    for statement in tree.body:
        _check_statement(statement, known, missing)
    return sorted(set(missing))


def _check_statement(statement: ast.stmt, outer: set[str], missing: list[str]) -> None:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        _check_function(statement, outer, missing)
    elif isinstance(statement, ast.ClassDef):
        for inner in statement.body:
            _check_statement(inner, outer, missing)
    else:
        missing.extend(sorted(loaded_names(statement) - outer - _stored_here(statement)))


def _check_function(
    func: ast.FunctionDef | ast.AsyncFunctionDef, outer: set[str], missing: list[str]
) -> None:
    """Statements in order: each may read what earlier ones (or it itself) stored."""
    defined = set(outer) | parameters(func)
    for statement in func.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defined.add(statement.name)
            _check_function(statement, defined | _stored_here(func), missing)
            continue
        here = _stored_here(statement)
        missing.extend(sorted(loaded_names(statement) - defined - here))
        defined |= here


def _stored_here(node: ast.AST) -> set[str]:
    """Names a statement binds, comprehension and lambda variables included."""
    names = stored_names(node)
    for child in ast.walk(node):
        if isinstance(child, FUNCTIONS):
            names |= parameters(child)
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(child.name)
        if isinstance(child, ast.ExceptHandler) and child.name:
            names.add(child.name)
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in child.names}
    return names


def missing_attributes(tree: ast.Module) -> list[str]:
    """``self.X`` read in a class (or its local bases) that never sets X anywhere."""
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    missing: set[str] = set()
    for cls in classes.values():
        chain = _local_chain(cls, classes)
        if chain is None:  # a base we cannot see (nn.Linear...): anything may exist
            continue
        available = set(module_attributes())
        for member in chain:
            available |= self_attributes(member, ast.Store) | registered_attributes(member)
            available |= {n.name for n in member.body if isinstance(n, SCOPES)}
            available |= {t for n in member.body if isinstance(n, ast.Assign)
                          for t in stored_names(n)}  # fmt: skip
        missing |= self_attributes(cls, ast.Load) - available
    return sorted(missing)


REGISTERING = ("register_buffer", "register_parameter", "register_module", "add_module")


def registered_attributes(cls: ast.ClassDef) -> set[str]:
    """Names set by ``self.register_buffer("name", ...)`` and its kind; a name that is
    not a literal could be anything, so every attribute read then counts as set."""
    names: set[str] = set()
    for call in (n for n in ast.walk(cls) if isinstance(n, ast.Call)):
        func = call.func
        registering = (
            isinstance(func, ast.Attribute)
            and func.attr in REGISTERING
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
        )
        if not registering:
            continue
        first = call.args[0] if call.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
        else:
            names |= self_attributes(cls, ast.Load)
    return names


def _local_chain(cls: ast.ClassDef, classes: dict[str, ast.ClassDef]) -> list[ast.ClassDef] | None:
    """The class and its local bases, or None when a base is neither local nor Module."""
    chain = [cls]
    for base in cls.bases:
        name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
        if name == "Module":
            continue
        if name in classes and classes[name] is not cls:
            inner = _local_chain(classes[name], classes)
            if inner is None:
                return None
            chain += inner
        else:
            return None
    return chain
