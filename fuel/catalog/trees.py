"""Argument trees: torch's sample arguments to JSON data and back.

``encode`` lifts every tensor of a sample call out into a :class:`Slot` and leaves a
JSON tree in its place; ``decode`` puts tensors (real, fake or meta) back in. Anything
that has no faithful JSON form (callables, slices, complex or sparse tensors, dtypes
outside :data:`~fuel.catalog.spec.DTYPES`) makes the sample unusable, never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from fuel.catalog.spec import DTYPES, FLOAT_DTYPES, Role, Slot

MAX_SLOT_NUMEL = 4096  # keeps generated programs small and fast in eager and compiled
LITERAL_MAX = 64  # values a literal slot may carry: the program text stays readable
REAL_DTYPE_NAMES = {*DTYPES, "int16", "uint16", "uint32", "uint64"}
MEMORY_FORMATS = ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format")


class Unsupported(Exception):
    """A sample argument with no faithful JSON form."""


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def dtype_of(name: str) -> torch.dtype:
    value = getattr(torch, name)
    assert isinstance(value, torch.dtype)
    return value


class Encoder:
    """Encodes the arguments of one call; collects its slots and their live tensors."""

    def __init__(self, reference: str) -> None:
        self.reference = reference  # the op dtype the sample was made for
        self.slots: list[Slot] = []
        self.tensors: list[torch.Tensor] = []

    def tree(self, value: Any, where: str) -> Any:
        if isinstance(value, torch.Tensor):
            return {"tensor": self._slot(value, where)}
        if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(value, torch.Size):
            return {"tuple": [int(v) for v in value]}
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [self.tree(v, where) for v in value]}
        if isinstance(value, torch.dtype):
            name = dtype_name(value)
            if name not in REAL_DTYPE_NAMES:
                raise Unsupported(f"dtype {name}")
            return {"dtype": name}
        if isinstance(value, torch.memory_format):
            name = str(value).removeprefix("torch.")
            if name not in MEMORY_FORMATS:
                raise Unsupported(f"memory format {name}")
            return {"memory_format": name}
        raise Unsupported(type(value).__name__)

    def _slot(self, t: torch.Tensor, where: str) -> int:
        name = dtype_name(t.dtype)
        if t.layout is not torch.strided or t.is_quantized or t.is_nested or name not in DTYPES:
            raise Unsupported(f"tensor of {t.dtype} / {t.layout}")
        if t.numel() > MAX_SLOT_NUMEL:
            raise Unsupported("tensor too large")
        integral_index = name not in FLOAT_DTYPES and name != "bool"
        literal = integral_index and self.reference in FLOAT_DTYPES
        if literal and t.numel() > LITERAL_MAX:
            raise Unsupported("index tensor too large to write out")
        values = tuple(t.detach().flatten().tolist()) if literal else ()
        role = Role.LITERAL if literal else Role.DATA
        follows = name == self.reference and not literal
        self.slots.append(Slot(tuple(t.shape), name, role, values, follows, where))
        self.tensors.append(t.detach())
        return len(self.slots) - 1


def decode(tree: Any, tensors: Sequence[Any]) -> Any:
    """The Python value of a tree, with ``tensors[i]`` in place of slot ``i``."""
    if isinstance(tree, list):  # JSON has no tuples: a bare list is never produced
        raise ValueError("bare list in an argument tree")
    if not isinstance(tree, dict):
        return tree
    ((tag, value),) = tree.items()
    if tag == "tensor":
        return tensors[value]
    if tag == "list":
        return [decode(v, tensors) for v in value]
    if tag == "tuple":
        return tuple(decode(v, tensors) for v in value)
    if tag == "dtype":
        return dtype_of(value)
    if tag == "float":
        return float(value)
    if tag == "memory_format":
        return getattr(torch, value)
    raise ValueError(f"unknown tree tag {tag!r}")


def slots_in(tree: Any) -> list[int]:
    """Slot indices in the order they appear in a tree."""
    if not isinstance(tree, dict):
        return []
    ((tag, value),) = tree.items()
    if tag == "tensor":
        return [value]
    if tag in ("list", "tuple"):
        return [i for v in value for i in slots_in(v)]
    return []
