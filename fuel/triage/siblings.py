"""The other operators of a bug's code, and the reduced program rewritten for each.

One mechanism hits many operators (a decomposition several ops share, a lowering made
by one factory, AOTAutograd's in-place rewrite), and upstream reports it once, listing
them. :func:`candidates` derives them from the installed torch for a
:class:`~fuel.store.bugdir.CodePointer`:

* a decomposition or a lowering: the operators whose function runs the same code
  (:func:`fuel.triage.tables.sharing_code`);
* functionalization: the other in-place operators of the same arity (``Tensor.sin_``
  for ``Tensor.logit_``), as the rewrite treats them all alike.

:func:`variants` renames the reduced program's call for each (``x.logit_()`` ->
``x.sin_()``); the ablation runs them (:func:`fuel.triage.ablation.sweep`), and the
report lists which also show the bug. A pass, a config or C++ code generation has no
operator to swap: no siblings.
"""

from __future__ import annotations

import ast
from typing import Any

from fuel.program import parsing
from fuel.store.bugdir import CodePointer
from fuel.triage.tables import overload, sharing_code

# Where the reduced program's call names an operator: forward_operators' prefixes.
OWNERS = {"Tensor": ("torch", "Tensor"), "torch": ("torch",), "F": ("torch", "nn", "functional")}


def candidates(pointer: CodePointer | None, operators: list[str]) -> tuple[str, tuple[str, ...]]:
    """The program's call to swap (``Tensor.logit_``) and the operators to swap in."""
    if pointer is None:
        return "", ()
    if pointer.kind in ("decomposition", "lowering") and pointer.operator:
        own = pointer.operator.split(".")[1]
        call = next((op for op in operators if op.rsplit(".", 1)[-1] == own), "")
        which = "decomposition" if pointer.kind == "decomposition" else "lowering"
        return call, _existing(call, sharing_code(which, pointer.operator)) if call else ()
    if pointer.kind == "functionalization":
        call = next((op for op in operators if _in_place(op.rsplit(".", 1)[-1])), "")
        return call, _existing(call, in_place_like(call)) if call else ()
    return "", ()


def in_place_like(call: str) -> tuple[str, ...]:
    """The in-place aten operators with as many required arguments as ``call``'s."""
    import torch

    arity = _required(call.rsplit(".", 1)[-1])
    if arity is None:
        return ()
    own = call.rsplit(".", 1)[-1]
    names = [n for n in dir(torch.ops.aten) if _in_place(n) and n != own]
    return tuple(sorted(n for n in names if _required(n) == arity))


def variants(source: str, call: str, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(the sibling's call, the program with the call renamed) for each sibling."""
    owner, _, attr = call.rpartition(".")
    found = []
    for name in names:
        renamed = rename_calls(source, attr, name)
        if renamed is not None:
            found.append((f"{owner}.{name}", renamed))
    return found


def rename_calls(source: str, attr: str, name: str) -> str | None:
    """``source`` with every call of ``.attr(...)`` calling ``.name`` instead; None when
    there is none."""
    lines = source.splitlines(keepends=True)
    spots = sorted(
        ((node.func.end_lineno, node.func.end_col_offset) for node in ast.walk(parsing.parse(source))
         if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
         and node.func.attr == attr and node.func.end_lineno is not None),
        reverse=True,
    )  # fmt: skip
    for line, end in spots:
        text = lines[line - 1]
        # Offsets are in UTF-8 bytes; the attribute ends the expression node.
        raw = text.encode()
        lines[line - 1] = (raw[: end - len(attr)] + name.encode() + raw[end:]).decode()
    return "".join(lines) if spots else None


def _existing(call: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The names the call's owner (Tensor, torch, F) has: a renamed call must resolve."""
    import importlib

    path = OWNERS.get(call.rpartition(".")[0])
    if path is None:
        return ()
    owner: Any = importlib.import_module(path[0])
    for part in path[1:]:
        owner = getattr(owner, part)
    return tuple(name for name in names if hasattr(owner, name))


def _in_place(name: str) -> bool:
    return name.endswith("_") and not name.startswith("_") and not name.endswith("__")


def _required(name: str) -> int | None:
    op = overload(f"aten.{name}.default") or overload(f"aten.{name}.Tensor")
    schema = getattr(op, "_schema", None)
    if schema is None:
        return None
    return sum(1 for a in schema.arguments if not a.has_default_value() and not a.kwarg_only)
