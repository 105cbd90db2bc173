"""The probe: watches the eager run at the aten level for unjudgeable behaviour.

ORACLE.md lists behaviour that makes a mismatch meaningless: random operators (a
dropout with p = 0 is not one), uninitialised memory (found in the source),
writes through duplicate indices (scatter, index_put without accumulate, index_copy,
put), and ties in sort/topk/argmax order. Which of them a program really hits is only
known at run time, with the real index and value tensors, so the second eager run
goes through this dispatch mode. The aten operators seen also name a numeric bug.
"""

from __future__ import annotations

import ast
import contextlib
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from fuel.execute.records import Probe

SCATTER_LIKE = {"scatter", "scatter_"}
INDEX_PUT_LIKE = {"index_put", "index_put_", "_index_put_impl_", "_unsafe_index_put"}
INDEX_COPY_LIKE = {"index_copy", "index_copy_"}
PUT_LIKE = {"put", "put_"}
ORDER_SENSITIVE = {
    "sort", "argsort", "topk", "max", "min", "argmax", "argmin", "kthvalue", "median",
    "nanmedian", "mode", "cummax", "cummin", "msort",
}  # fmt: skip
# Without a dim these return values only, whose order cannot differ.
VALUE_ONLY_UNLESS_DIM = {"max", "min", "median", "nanmedian"}
MAX_PROBED_NUMEL = 1 << 22


def has_duplicates_along(index: torch.Tensor, dim: int) -> bool:
    if index.numel() < 2 or index.dim() == 0 or index.size(dim) < 2:
        return False
    ordered = index.sort(dim).values
    n = ordered.size(dim)
    return bool((ordered.narrow(dim, 1, n - 1) == ordered.narrow(dim, 0, n - 1)).any())


def has_duplicates(index: torch.Tensor) -> bool:
    return has_duplicates_along(index.reshape(-1), 0)


def index_put_has_duplicates(indices: Any) -> bool:
    tensors = [i for i in indices if i is not None]
    if not tensors or any(t.dtype in (torch.bool, torch.uint8) for t in tensors):
        return False
    rows = torch.stack([t.reshape(-1) for t in torch.broadcast_tensors(*tensors)], dim=1)
    return bool(torch.unique(rows, dim=0).size(0) < rows.size(0))


def has_ties(values: torch.Tensor, dim: int | None) -> bool:
    if values.numel() < 2 or values.is_complex():
        return False
    if dim is None or values.dim() == 0:
        return has_duplicates_along(values.reshape(-1), 0)
    return has_duplicates_along(values, dim)


def bound_arguments(func: Any, args: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Each schema argument's value in this call, defaults included."""
    named = dict(kwargs)
    for argument, value in zip(func._schema.arguments, args, strict=False):
        named[argument.name] = value
    for argument in func._schema.arguments:
        if argument.name not in named and argument.has_default_value():
            named[argument.name] = argument.default_value
    return named


def draws_random_numbers(func: Any, args: Any, kwargs: dict[str, Any]) -> bool:
    """Tagged random, and not a dropout switched off (p = 0 or not training)."""
    if torch.Tag.nondeterministic_seeded not in func.tags:
        return False
    named = bound_arguments(func, args, kwargs)
    if any(named.get(key) == 0 for key in ("dropout_p", "p")):
        return False
    return named.get("train") is not False


EMPTY_CALLS = frozenset({"empty", "empty_like", "new_empty", "empty_strided", "new_empty_strided"})


def uninitialised_calls(source: str) -> tuple[str, ...]:
    """The calls of a program that allocate without initialising (torch.empty and kin).

    Read from the source rather than the aten trace: torch's own kernels allocate with
    ``empty`` and fill it, and only a program's direct call can leave garbage behind.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    found: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in EMPTY_CALLS:
                found.setdefault(name, None)
    return tuple(found)


class ProbeMode(TorchDispatchMode):
    """Records the aten operators of a run and the ORACLE.md hazards they meet."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: dict[str, None] = {}
        self.random: dict[str, None] = {}
        self.duplicates: dict[str, None] = {}
        self.ties: dict[str, None] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        name = str(func.overloadpacket.__name__)
        self.ops.setdefault(str(func), None)
        if draws_random_numbers(func, args, kwargs):
            self.random.setdefault(name, None)
        with contextlib.suppress(Exception):  # the probe must never change the run it watches
            self._inspect(name, str(func._overloadname), args, kwargs)
        return func(*args, **kwargs)

    def _inspect(self, name: str, overload: str, args: Any, kwargs: dict[str, Any]) -> None:
        first = args[0] if args else None
        if isinstance(first, torch.Tensor) and first.numel() > MAX_PROBED_NUMEL:
            return
        if name in SCATTER_LIKE and "reduce" not in overload and "reduce" not in kwargs:
            if has_duplicates_along(args[2], args[1]):
                self.duplicates.setdefault(name, None)
        elif name in INDEX_PUT_LIKE:
            accumulate = args[3] if len(args) > 3 else kwargs.get("accumulate", False)
            if not accumulate and index_put_has_duplicates(args[1]):
                self.duplicates.setdefault(name, None)
        elif name in INDEX_COPY_LIKE:
            if has_duplicates(args[2]):
                self.duplicates.setdefault(name, None)
        elif name in PUT_LIKE:
            accumulate = args[3] if len(args) > 3 else kwargs.get("accumulate", False)
            if not accumulate and has_duplicates(args[1]):
                self.duplicates.setdefault(name, None)
        elif name in ORDER_SENSITIVE and isinstance(first, torch.Tensor):
            if name in VALUE_ONLY_UNLESS_DIM and "dim" not in overload:
                return
            dim = args[1] if len(args) > 1 and isinstance(args[1], int) else kwargs.get("dim")
            if name == "topk":
                dim = args[2] if len(args) > 2 else kwargs.get("dim", -1)
            if has_ties(first, dim):
                self.ties.setdefault(name, None)

    def report(self, source: str = "") -> Probe:
        return Probe(
            aten_ops=tuple(self.ops),
            random_ops=tuple(self.random),
            duplicate_index_writes=tuple(self.duplicates),
            ties=tuple(self.ties),
            uninitialised=uninitialised_calls(source),
        )
