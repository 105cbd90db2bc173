"""The other operators of a bug's code, and the reduced program rewritten for each.

One mechanism hits many operators (a decomposition several ops share, a lowering made
by one factory, AOTAutograd's in-place rewrite), and upstream reports it once, listing
them. :func:`candidates` derives them from the installed torch for a
:class:`~fuel.store.bugdir.CodePointer`:

* a decomposition or a lowering: the operators whose function runs the same code
  (:func:`fuel.triage.tables.sharing_code`);
* functionalization: the other in-place operators (``Tensor.mul_`` for
  ``Tensor.logit_``), as the rewrite treats them all alike: those of the same arity, and
  those taking one argument more, which gets ``EXTRA`` (a float scalar: what the rewrite
  must cast back to the tensor's own dtype, where eager checks that it can).

:func:`variants` renames the reduced program's call for each (``x.logit_()`` ->
``x.mul_(2.5)``); the ablation runs them (:func:`fuel.triage.ablation.sweep`), and the
report lists which also show the bug. A pass, a config or C++ code generation has no
operator to swap: no siblings.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from fuel.program import parsing
from fuel.store.bugdir import CodePointer
from fuel.triage.tables import overload, sharing_code

# Where the reduced program's call names an operator: forward_operators' prefixes.
OWNERS = {"Tensor": ("torch", "Tensor"), "torch": ("torch",), "F": ("torch", "nn", "functional")}
EXTRA = "2.5"  # the argument an in-place sibling that takes one more gets


@dataclass(frozen=True, slots=True)
class Sibling:
    name: str  # the operator's name on the call's owner: mul_
    extra: str = ""  # an argument appended to the call's own ("" for none)


def candidates(
    pointer: CodePointer | None, operators: list[str]
) -> tuple[str, tuple[Sibling, ...]]:
    """The program's call to swap (``Tensor.logit_``) and the operators to swap in."""
    if pointer is None:
        return "", ()
    if pointer.kind in ("decomposition", "lowering") and pointer.operator:
        own = pointer.operator.split(".")[1]
        call = next((op for op in operators if op.rsplit(".", 1)[-1] == own), "")
        which = "decomposition" if pointer.kind == "decomposition" else "lowering"
        names = sharing_code(which, pointer.operator)
        return call, tuple(Sibling(n) for n in _existing(call, names)) if call else ()
    if pointer.kind == "functionalization":
        call = next((op for op in operators if _in_place(op.rsplit(".", 1)[-1])), "")
        return call, in_place_like(call) if call else ()
    return "", ()


def in_place_like(call: str) -> tuple[Sibling, ...]:
    """The in-place aten operators the call's owner has, with as many required arguments
    as ``call``'s, or one more (which gets ``EXTRA``)."""
    import torch

    own = call.rsplit(".", 1)[-1]
    arity = _required(own)
    if arity is None:
        return ()
    names = _existing(call, tuple(n for n in dir(torch.ops.aten) if _in_place(n) and n != own))
    found = []
    for name in sorted(names):
        needs = _required(name)
        if needs in (arity, arity + 1):
            found.append(Sibling(name, EXTRA if needs == arity + 1 else ""))
    return tuple(found)


def variants(source: str, call: str, siblings: tuple[Sibling, ...]) -> list[tuple[str, str]]:
    """(the sibling's call as the report names it, the program with the call swapped)."""
    owner, _, attr = call.rpartition(".")
    found = []
    for sibling in siblings:
        renamed = rename_calls(source, attr, sibling.name, sibling.extra)
        if renamed is not None:
            label = f"{owner}.{sibling.name}" + (f"(..., {sibling.extra})" if sibling.extra else "")
            found.append((label, renamed))
    return found


def rename_calls(source: str, attr: str, name: str, extra: str = "") -> str | None:
    """``source`` with every call of ``.attr(...)`` calling ``.name`` instead, ``extra``
    appended to its arguments; None when there is no such call (or, with ``extra``, one
    passes keywords)."""
    lines = source.splitlines(keepends=True)
    calls = [node for node in ast.walk(parsing.parse(source))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr == attr]  # fmt: skip
    if not calls or (extra and any(call.keywords for call in calls)):
        return None
    edits: list[tuple[int, int, int, str]] = []  # (line, start, end) in UTF-8 bytes, text
    for call in calls:
        func = call.func
        assert func.end_lineno is not None and func.end_col_offset is not None
        edits.append((func.end_lineno, func.end_col_offset - len(attr), func.end_col_offset,
                      name))  # fmt: skip
        if extra and call.end_lineno is not None and call.end_col_offset is not None:
            closing = call.end_col_offset - 1  # the ")" that ends the call
            edits.append((call.end_lineno, closing, closing,
                          f", {extra}" if call.args else extra))  # fmt: skip
    for line, start, end, text in sorted(edits, reverse=True):
        raw = lines[line - 1].encode()
        lines[line - 1] = (raw[:start] + text.encode() + raw[end:]).decode()
    return "".join(lines)


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
