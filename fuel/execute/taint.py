"""Which values a hazard reaches: taint tracking over one eager run, keyed by storage.

ORACLE.md's hazards (random draws, writes through duplicate indices, the indices of
tied elements, uninitialised memory) make only the values computed from them
unjudgeable. The probe marks the storage a hazardous operator writes; every operator
then passes the union of its inputs' taints to what it writes. Keying by storage, not
by tensor, makes views and in-place writes follow: a view shares its base's storage,
and ``x.add_(noise)`` taints ``x`` wherever it is seen from.

A tainted storage is kept alive (a reference to one of its tensors) until the run ends,
so its address cannot be reused by a clean allocation and inherit its taint.

Two simplifications, both on the side of calling more values unjudgeable: a write to
part of a storage taints all of it, and a taint read into Python (``.item()``, a
``bool`` of a tensor) may steer anything after it, so it is reported as *untraced*:
the judge then applies that hazard to every value.
"""

from __future__ import annotations

from typing import Any

import torch

from fuel.execute.records import Taint

Taints = frozenset[Taint]
CLEAN: Taints = frozenset()
# In-place operators whose result does not depend on what the written tensor held.
OVERWRITING = frozenset({"copy_", "fill_", "zero_", "normal_", "uniform_", "random_",
                         "bernoulli_", "exponential_", "geometric_", "cauchy_",
                         "log_normal_", "set_"})  # fmt: skip


def storage_key(t: torch.Tensor) -> int | None:
    """The address of a tensor's storage; None for tensors without one (empty, meta)."""
    try:
        storage = t.untyped_storage()
        return storage.data_ptr() if storage.nbytes() else None
    except (RuntimeError, NotImplementedError):  # sparse, nested, quantized
        return None


def tensors_in(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in tensors_in(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in tensors_in(item)]
    return []


def covers_storage(t: torch.Tensor) -> bool:
    """Does writing ``t`` overwrite every byte of its storage?"""
    storage = t.untyped_storage()
    return bool(
        t.is_contiguous()
        and t.storage_offset() == 0
        and t.numel() * t.element_size() == storage.nbytes()
    )


class TaintMap:
    """Storage address → the hazards its contents depend on."""

    def __init__(self) -> None:
        self._taints: dict[int, Taints] = {}
        self._alive: dict[int, torch.Tensor] = {}
        self.escaped: dict[Taint, None] = {}  # tainted values read into Python

    def of(self, t: torch.Tensor) -> Taints:
        key = storage_key(t)
        return self._taints.get(key, CLEAN) if key is not None else CLEAN

    def of_all(self, tensors: list[torch.Tensor]) -> Taints:
        found: set[Taint] = set()
        for t in tensors:
            found |= self.of(t)
        return frozenset(found)

    def set(self, t: torch.Tensor, taints: Taints) -> None:
        key = storage_key(t)
        if key is None:
            return
        if taints:
            self._taints[key] = taints
            self._alive[key] = t
        else:
            self._taints.pop(key, None)
            self._alive.pop(key, None)

    def add(self, t: torch.Tensor, taints: Taints) -> None:
        if taints:
            self.set(t, self.of(t) | taints)

    def record(
        self,
        func: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        result: Any,
        made: Taints = CLEAN,
        tie: Taint | None = None,
    ) -> None:
        """Propagate through one operator call. ``made``: the hazards the call itself
        brings in (to all it writes); ``tie``: the hazard of its index outputs alone."""
        written, written_names = written_arguments(func, args, kwargs)
        inputs = tensors_in((args, kwargs))
        outputs = returned_tensors(func, result)
        if not outputs and not written:
            # a tensor's value read into Python (.item(), bool()): it may steer anything
            self.escaped.update(dict.fromkeys(self.of_all(inputs)))
            return
        overwrite = str(func.overloadpacket.__name__) in OVERWRITING
        written_keys = {storage_key(w) for w in written}
        read = [t for t in inputs if not (overwrite and storage_key(t) in written_keys)]
        incoming = self.of_all(read) | made
        ties = frozenset([tie]) if tie else CLEAN
        for w, name in zip(written, written_names, strict=True):
            own = incoming | (ties if is_index_name(func, name) else CLEAN)
            if (overwrite or name.startswith(OUT_NAMES)) and covers_storage(w):
                self.set(w, own)
            else:
                self.add(w, own)
        input_keys = {storage_key(t) for t in inputs}
        for out, name in outputs:
            own = incoming | (ties if is_index_name(func, name) else CLEAN)
            if storage_key(out) in input_keys:  # a view, or the written input itself
                self.add(out, own)
            else:
                self.set(out, own)


OUT_NAMES = ("out", "values", "indices", "min", "max")  # out= arguments fully written


def is_index_name(func: Any, name: str) -> bool:
    """Is this return (or out= argument) the indices of an order-sensitive operator?"""
    return "indices" in name or str(func.overloadpacket.__name__).startswith("arg")


def returned_tensors(func: Any, result: Any) -> list[tuple[torch.Tensor, str]]:
    """Each tensor an operator returned, with the name of its return in the schema."""
    returns = func._schema.returns
    if isinstance(result, tuple) and len(result) == len(returns):
        return [(t, r.name) for value, r in zip(result, returns, strict=True)
                for t in tensors_in(value)]  # fmt: skip
    name = returns[0].name if len(returns) == 1 else ""
    return [(t, name) for t in tensors_in(result)]


def written_arguments(
    func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[list[torch.Tensor], list[str]]:
    """The tensors an operator writes in place (``self`` of ``add_``, ``out=``)."""
    tensors: list[torch.Tensor] = []
    names: list[str] = []
    for position, argument in enumerate(func._schema.arguments):
        info = argument.alias_info
        if info is None or not info.is_write:
            continue
        value = args[position] if position < len(args) else kwargs.get(argument.name)
        for t in tensors_in(value):
            tensors.append(t)
            names.append(argument.name)
    return tensors, names
