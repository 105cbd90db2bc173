"""The catalog's operators as the LLM generator uses them.

Requests carry catalog names (``nn.functional.gelu``, ``addmm``, ``__radd__``): exact,
but not what a program writes. A model, a small one above all, does better when asked
for ``torch.nn.functional.gelu``: :meth:`OperatorBook.call` gives the form the catalog
records (a function's dotted path, ``Tensor.name`` for a method, a module's class).
:meth:`OperatorBook.reached` tells whether a program's source calls an operator, read
from its syntax tree (names match exactly; nothing runs), so a benchmark can count the
programs that used what they were asked for. The catalog is loaded on first use.
"""

from __future__ import annotations

import ast
from functools import cached_property

from fuel.catalog import CallKind, Catalog, load_catalog
from fuel.program import parsing


class OperatorBook:
    def __init__(self, catalog: Catalog | None = None) -> None:
        self._given = catalog

    @cached_property
    def catalog(self) -> Catalog:
        return self._given or load_catalog()

    def names(self) -> tuple[str, ...]:
        """The operator names requests may carry, sorted."""
        return self.catalog.names()

    def call(self, name: str) -> str:
        """How a program calls ``name``; the name itself when the catalog has no call."""
        spec = self.catalog.get(name)
        if spec is None or not spec.call.target:
            return name
        if spec.call.kind is CallKind.METHOD:
            return f"Tensor.{spec.call.target}"
        return spec.call.target

    def reached(self, source: str, name: str) -> bool:
        """Whether ``source`` calls (or, for a method, touches) operator ``name``."""
        spec = self.catalog.get(name)
        if spec is None or not spec.call.target:
            return False
        wanted = {spec.call.target.rsplit(".", 1)[-1], spec.call.method, spec.call.inplace}
        wanted.discard("")
        return not wanted.isdisjoint(used_names(source))


def used_names(source: str) -> set[str]:
    """The last component of every called name and every attribute read in ``source``."""
    try:
        tree = parsing.parse(source)
    except (SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            found.add(node.func.id)
    return found
