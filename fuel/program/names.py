"""What names a program's imports bind, and the dotted path an expression names.

``from torch._inductor import config`` binds ``config`` to ``torch._inductor.config``;
``import torch.nn as nn`` binds ``nn``; ``import os.path`` binds ``os``. The static
check, the settings finder and the device rewriter all ask "which module does this
name stand for", and answer it here the same way.
"""

from __future__ import annotations

import ast


def bound_names(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """(local name, dotted path it stands for) for each name an import binds."""
    if isinstance(node, ast.Import):
        return [
            (a.asname, a.name) if a.asname else (a.name.split(".")[0], a.name.split(".")[0])
            for a in node.names
        ]
    module = node.module or ""
    return [(a.asname or a.name, f"{module}.{a.name}") for a in node.names if a.name != "*"]


def module_aliases(body: list[ast.stmt]) -> dict[str, str]:
    """The names the top-level imports of ``body`` bind (later imports win)."""
    aliases: dict[str, str] = {}
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
            aliases.update(bound_names(node))
    return aliases


def dotted(expr: ast.expr, aliases: dict[str, str]) -> str | None:
    """``config.triton.cudagraphs`` -> ``torch._inductor.config.triton.cudagraphs``;
    None unless the chain starts at an imported name."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name) or expr.id not in aliases:
        return None
    parts.append(aliases[expr.id])
    return ".".join(reversed(parts))


def is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":``: a body fuel never runs (programs are imported)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, *test.comparators]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(mains) == 1
