"""torch's own tables, read in the installed torch: which Python function decomposes
or lowers an aten operator, where its source is, and which operators share its code.

Shared by :mod:`~fuel.triage.pointer` (the report's "Where") and
:mod:`~fuel.triage.siblings` (the other operators of that code). The decompositions are
those Inductor and ``aot_eager_decomp_partition`` apply
(``torch._inductor.decomposition.select_decomp_table``), and the lowerings Inductor's
(``torch._inductor.lowering.lowerings``); a function is read through ``inspect.unwrap``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fuel.judge.stage import torch_relative

SNIPPET_LINES = 10  # a function's first lines, as the report shows them
TABLES = ("decomposition", "lowering")


@dataclass(frozen=True, slots=True)
class Source:
    file: str  # relative to site-packages: torch/_decomp/decompositions.py
    line: int
    snippet: str  # numbered lines
    name: str = ""  # the qualified name: make_reduction.<locals>.inner, CppVecKernel


def overload(name: str) -> Any | None:
    """``aten.any.dims`` -> torch.ops.aten.any.dims (None when this torch has none)."""
    import torch

    parts = name.split(".")
    if len(parts) != 3 or parts[0] != "aten":
        return None
    packet = getattr(torch.ops.aten, parts[1], None)
    return getattr(packet, parts[2], None) if packet is not None else None


@functools.cache
def table(which: str) -> Mapping[Any, Callable[..., Any]]:
    if which == "decomposition":
        from torch._inductor.decomposition import select_decomp_table

        return select_decomp_table()
    from torch._inductor.lowering import lowerings

    return lowerings


def function_of(which: str, operator: str) -> Callable[..., Any] | None:
    """The unwrapped function ``which`` table holds for ``operator``, or None."""
    op = overload(operator)
    found = table(which).get(op) if op is not None else None
    return inspect.unwrap(found) if found is not None else None


def source_of(thing: Any) -> Source | None:
    """Where a function or class is defined in the installed torch, with its first lines."""
    if callable(thing) and not isinstance(thing, type):
        thing = inspect.unwrap(thing)  # past torch's decorators (dynamo's disable, ...)
    try:
        path = inspect.getsourcefile(thing)
        lines, start = inspect.getsourcelines(thing)
    except (OSError, TypeError):
        return None
    relative = torch_relative(path or "")
    if not relative:
        return None
    name = getattr(thing, "__qualname__", "")
    return Source(relative, start, numbered(lines[:SNIPPET_LINES], start), name)


def numbered(lines: list[str], start: int) -> str:
    return "".join(f"{start + i:6d}  {line}" for i, line in enumerate(lines)).rstrip() + "\n"


def source_line(relative: str, pattern: Callable[[str], object]) -> Source | None:
    """The first line of a torch file (``relative`` to site-packages) that ``pattern``
    accepts, with the lines after it."""
    import torch

    path = Path(torch.__file__).parent.parent / relative
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except OSError:
        return None
    index = next((i for i, line in enumerate(lines) if pattern(line)), None)
    if index is None:
        return None
    return Source(relative, index + 1, numbered(lines[index : index + SNIPPET_LINES], index + 1))


def sharing_code(which: str, operator: str) -> tuple[str, ...]:
    """The other aten operators (by name, without overload) whose ``which`` function runs
    the same code as ``operator``'s: the same function, or one made by the same factory
    (reductions, pointwise ops), as ``__code__`` says."""
    mine = function_of(which, operator)
    code = getattr(mine, "__code__", None)
    if code is None:
        return ()
    own = operator.split(".")[1]
    found = set()
    for op, function in list(table(which).items()):
        parts = str(op).split(".")  # aten.any.dims; the tables also hold other keys
        packet = parts[1] if len(parts) == 3 and parts[0] == "aten" else ""
        if packet and packet != own and getattr(inspect.unwrap(function), "__code__", None) is code:
            found.add(packet)
    return tuple(sorted(found))
