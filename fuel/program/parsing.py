"""Syntax trees, built one thread at a time.

CPython 3.11 counts the AST constructor's recursion in interpreter-wide state, so two
threads building syntax trees at once can trip its consistency check ("AST constructor
recursion depth mismatch", python/cpython#106905). A campaign builds them in its
generation thread and its main thread at once, and an explore campaign died of it. So
every syntax tree fuel builds comes from here, under one lock (parsing a program takes
well under a millisecond; nothing waits on it for long).
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_AST_LOCK = threading.Lock()


def parse(source: str) -> ast.Module:
    with _AST_LOCK:
        return ast.parse(source)


def literal(text: str) -> Any:
    """``ast.literal_eval``, which builds a syntax tree too."""
    with _AST_LOCK:
        return ast.literal_eval(text)
