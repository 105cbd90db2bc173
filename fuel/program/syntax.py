"""The program as a syntax tree: parsing, rendering, and finding its parts.

Every pass edits a fresh parse of the current program and renders it back with
``ast.unparse``, so a candidate is always plain source in the program format (the
loader reads it like any other program). Nodes are addressed by their position in a
deterministic walk, which is the same for the same source: a pass can list its
targets once, then rebuild the tree for each attempt and find the same target again.
"""

from __future__ import annotations

import ast
import builtins
import copy
import hashlib
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from fuel.errors import Rejected
from fuel.program.loader import choose_model_class, module_classes, top_level_function
from fuel.program.parsing import parse

N = TypeVar("N", bound=ast.AST)
# Names every program may use without defining them.
BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__"}

# Statement fields that hold a list of statements (bodies of blocks, functions, classes).
BODY_FIELDS = ("body", "orelse", "finalbody")
COMPOUND = (ast.If, ast.For, ast.While, ast.With, ast.Try)
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
CLASS_GAP = re.compile(r"^(class [^\n]*:)\n\n", re.MULTILINE)  # unparse's blank line after it


def render(tree: ast.Module) -> str:
    """Source in the usual layout: two blank lines around top-level defs and classes."""
    ast.fix_missing_locations(tree)
    parts: list[str] = []
    previous: ast.stmt | None = None
    for node in tree.body:
        if previous is not None:
            spaced = isinstance(node, DEFINITIONS) or isinstance(previous, DEFINITIONS)
            parts.append("\n\n\n" if spaced else "\n")
        parts.append(CLASS_GAP.sub(r"\1\n", ast.unparse(node)))
        previous = node
    return "".join(parts) + "\n"


def digest(source: str) -> str:
    """A hash of the program's syntax, blind to formatting and comments."""
    normal = ast.unparse(parse(source))
    return hashlib.sha256(normal.encode()).hexdigest()[:20]


def model_class(tree: ast.Module) -> ast.ClassDef | None:
    classes = module_classes(tree)
    try:
        return classes[choose_model_class(tree, classes)]
    except Rejected:
        return None


def method(cls: ast.ClassDef | None, name: str) -> ast.FunctionDef | None:
    if cls is None:
        return None
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def forward(tree: ast.Module) -> ast.FunctionDef | None:
    return method(model_class(tree), "forward")


def init(tree: ast.Module) -> ast.FunctionDef | None:
    return method(model_class(tree), "__init__")


def make_inputs(tree: ast.Module) -> ast.FunctionDef | None:
    return top_level_function(tree, "make_inputs")


def statement_count(node: ast.AST | None) -> int:
    """Statements inside ``node`` (a function: its body, nested blocks counted)."""
    if node is None:
        return 0
    return sum(1 for child in ast.walk(node) if isinstance(child, ast.stmt)) - int(
        isinstance(node, ast.stmt)
    )


def forward_statements(tree: ast.Module) -> int:
    return statement_count(forward(tree))


def bodies(node: ast.AST) -> Iterator[list[ast.stmt]]:
    """Every list of statements inside ``node``, outer before inner."""
    for child in ast.walk(node):
        for field in BODY_FIELDS:
            value = getattr(child, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield value
        if isinstance(child, ast.Try):
            for handler in child.handlers:
                yield handler.body


def nodes_of(root: ast.AST | None, kind: type[N] | tuple[type[N], ...]) -> list[N]:
    """Nodes of a type under ``root`` in ``ast.walk`` order (stable for equal source)."""
    if root is None:
        return []
    return [node for node in ast.walk(root) if isinstance(node, kind)]


def loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def stored_names(node: ast.AST) -> set[str]:
    return {
        n.id
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))
    }


def self_attributes(node: ast.AST, ctx: type[ast.expr_context]) -> set[str]:
    """Names X of ``self.X`` used under ``node`` in the given context (Load or Store)."""
    return {
        n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute)
        and isinstance(n.value, ast.Name)
        and n.value.id == "self"
        and isinstance(n.ctx, ctx)
    }


def replace_node(root: ast.AST, old: ast.AST, new: ast.AST) -> bool:
    """Put ``new`` where ``old`` is under ``root``; False if ``old`` is not there."""
    for parent in ast.walk(root):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return True
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if item is old:
                        value[index] = new
                        return True
    return False


def rename(root: ast.AST, old: str, new: ast.expr) -> None:
    """Replace every load of the name ``old`` under ``root`` by a copy of ``new``."""
    for node in list(ast.walk(root)):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.Name) and value.id == old and isinstance(value.ctx, ast.Load):
                setattr(node, field, copy.deepcopy(new))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if (
                        isinstance(item, ast.Name)
                        and item.id == old
                        and isinstance(item.ctx, ast.Load)
                    ):
                        value[index] = copy.deepcopy(new)


def edited(source: str, edit: Callable[[ast.Module], bool]) -> ast.Module | None:
    """A fresh tree of ``source`` changed by ``edit``, or None when the edit declined."""
    tree = parse(source)
    return tree if edit(tree) else None


def fill_empty_bodies(tree: ast.Module) -> None:
    """A body emptied by a deletion gets ``pass``, so the candidate still parses."""
    for node in ast.walk(tree):
        for field in BODY_FIELDS:
            value = getattr(node, field, None)
            if field == "body" and isinstance(value, list) and not value:
                value.append(ast.Pass())


BINARY_OPERATORS = {ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@",
                    ast.LShift: "<<", ast.RShift: ">>", ast.Div: "/", ast.BitAnd: "&",
                    ast.BitOr: "|", ast.BitXor: "^"}  # fmt: skip


def forward_operators(source: str) -> list[str]:
    """The operators ``forward`` calls, in order: torch.remainder, Tensor.sum, nn.Linear."""
    tree = parse(source)
    func = forward(tree)
    layers = _layer_classes(tree)
    names: list[str] = []
    nodes = [n for n in ast.walk(func) if isinstance(n, (ast.Call, ast.BinOp))] if func else []
    nodes.sort(key=lambda n: (n.lineno, n.col_offset, n.end_lineno, n.end_col_offset))
    for node in nodes:
        name = None
        if isinstance(node, ast.Call):
            name = _call_name(node.func, layers)
        elif isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPERATORS:
            name = f"`{BINARY_OPERATORS[type(node.op)]}`"
        if name and name not in names:
            names.append(name)
    return names


def _call_name(func: ast.expr, layers: dict[str, str]) -> str | None:
    dotted = ast.unparse(func)
    if dotted.startswith("self.") and _is_dotted(func):
        return layers.get(dotted[len("self.") :])
    if dotted.startswith(("torch.", "F.", "nn.", "math.")) and _is_dotted(func):
        return dotted.replace("torch.nn.functional.", "F.")
    if isinstance(func, ast.Attribute):  # a method of a value: torch.std(x).expand
        return f"Tensor.{func.attr}"
    if isinstance(func, ast.Name) and func.id not in BUILTIN_NAMES:
        return func.id  # a helper of the program's own
    return None


def _is_dotted(func: ast.expr) -> bool:
    """``torch.nn.functional.relu``: names and attributes only, no call on the way."""
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name)


def _constructor(call: ast.Call) -> ast.Call:
    """``nn.Linear(4, 4).to(torch.float64)`` -> ``nn.Linear(4, 4)``: the layer's own call."""
    while isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call):
        call = call.func.value
    return call


def _layer_classes(tree: ast.Module) -> dict[str, str]:
    init_method = init(tree)
    found = {}
    for node in nodes_of(init_method, ast.Assign):
        target = node.targets[0]
        if isinstance(target, ast.Attribute) and isinstance(node.value, ast.Call):
            layer = ast.unparse(_constructor(node.value).func)
            found[target.attr] = layer.replace("torch.nn.", "nn.")
    return found
