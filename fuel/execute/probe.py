"""The probe: watches the eager run at the aten level for unjudgeable behaviour.

ORACLE.md lists behaviour that makes a mismatch meaningless: random operators (a
dropout with p = 0 is not one), uninitialised memory (when the program calls
``torch.empty`` and kin), writes through duplicate indices (scatter, index_put without
accumulate, index_copy, put), and ties in sort/topk/argmax order. Which of them a
program really hits is only known at run time, with the real index and value tensors,
so a third eager run goes through this dispatch mode. Each hazard is traced to the
values it reaches (:mod:`fuel.execute.taint`): only those become unjudgeable. The same
run records the lineage of values downstream of discontinuous operations
(:mod:`fuel.execute.lineage`) and the dtypes computed; the aten operators seen also
name a numeric bug.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from fuel.execute.lineage import Lineage
from fuel.execute.records import Hazard, Probe, Taint
from fuel.execute.taint import TaintMap, tensors_in
from fuel.program import parsing

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
EMPTY_OPS = EMPTY_CALLS | {"empty_permuted"}  # their aten operators


def uninitialised_calls(source: str, *, outside_forward: bool = False) -> tuple[str, ...]:
    """The calls of a program that allocate without initialising (torch.empty and kin);
    with ``outside_forward``, only those outside any ``forward`` method.

    Read from the source rather than the aten trace: torch's own kernels allocate with
    ``empty`` and fill it, and only a program's direct call can leave garbage behind.
    Calls in ``forward`` are traced to the values they reach at run time; the others
    (building the model or the inputs) happen before the probe watches.
    """
    try:
        tree = parsing.parse(source)
    except SyntaxError:
        return ()
    skipped: set[int] = set()
    if outside_forward:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "forward":
                skipped.update(id(inner) for inner in ast.walk(node))
    found: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in skipped:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in EMPTY_CALLS:
                found.setdefault(name, None)
    return tuple(found)


def swallows_nan(func: Any, args: tuple[Any, ...], result: Any) -> bool:
    """Did a special function return a number where its input was NaN?

    Eager's kernels of some special functions (``chebyshev_polynomial_w``, ``laguerre``,
    ``legendre``...) leave uninitialised memory where x is NaN: whatever eager, float64
    and compiled then give there is garbage, and the garbage of eager and float64 can
    agree (both near zero), so distance from float64 alone does not reveal it.
    """
    name = str(func.overloadpacket.__name__)
    if not name.startswith("special_") or torch.Tag.pointwise not in func.tags:
        return False
    if not isinstance(result, torch.Tensor) or not result.is_floating_point():
        return False
    if result.numel() > MAX_PROBED_NUMEL:
        return False
    nan = torch.zeros(result.shape, dtype=torch.bool, device=result.device)
    for arg in args:
        if isinstance(arg, torch.Tensor) and arg.is_floating_point():
            nan |= torch.isnan(arg).broadcast_to(result.shape)
    return bool((nan & torch.isfinite(result)).any())


# Eager's grid samplers mishandle NaN grid coordinates (on the CPU, NaN out with zeros
# padding but a border pixel with border padding; pytorch#24823, open since 2019), so
# what a decomposition makes of them cannot be held against eager's.
GRID_SAMPLERS = frozenset({"grid_sampler", "grid_sampler_2d", "grid_sampler_3d",
                           "_grid_sampler_2d_cpu_fallback", "cudnn_grid_sampler"})  # fmt: skip


def samples_at_nan(name: str, args: tuple[Any, ...]) -> bool:
    """Does this grid sampler call have a NaN among its grid coordinates?"""
    if name not in GRID_SAMPLERS or len(args) < 2:
        return False
    grid = args[1]
    if not isinstance(grid, torch.Tensor) or not grid.is_floating_point():
        return False
    return grid.numel() <= MAX_PROBED_NUMEL and bool(torch.isnan(grid).any())


class ProbeMode(TorchDispatchMode):
    """Records the aten operators of a run, the ORACLE.md hazards they meet and which
    values each hazard reaches (:mod:`fuel.execute.taint`); with a
    :class:`~fuel.execute.lineage.Lineage`, also how values depend on discontinuous
    operations."""

    def __init__(self, source: str = "", lineage: Lineage | None = None) -> None:
        super().__init__()
        self.ops: dict[str, None] = {}
        self.random: dict[str, None] = {}
        self.duplicates: dict[str, None] = {}
        self.ties: dict[str, None] = {}
        self.dtypes: dict[str, None] = {}
        self.uninitialised = uninitialised_calls(source)
        self.setup_uninitialised = uninitialised_calls(source, outside_forward=True)
        self.taints = TaintMap()
        self.lost: dict[str, None] = {}  # operators the taint tracking failed on
        self.lineage = lineage

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        name = str(func.overloadpacket.__name__)
        self.ops.setdefault(str(func), None)
        made: set[Taint] = set()
        if draws_random_numbers(func, args, kwargs):
            self.random.setdefault(name, None)
            made.add(Taint(Hazard.RANDOM, name))
        if self.uninitialised and name in EMPTY_OPS:
            made.add(Taint(Hazard.UNINITIALISED, name))
        tie = None
        with contextlib.suppress(Exception):  # the probe must never change the run it watches
            if samples_at_nan(name, args):
                made.add(Taint(Hazard.NAN_GRID, name))
            hazard = self._inspect(name, str(func._overloadname), args, kwargs)
            if hazard is Hazard.TIES:
                tie = Taint(Hazard.TIES, name)
            elif hazard is not None:
                made.add(Taint(hazard, name))
        pending = self._lineage(lambda lineage: lineage.before(func, args, kwargs))
        result = func(*args, **kwargs)
        with contextlib.suppress(Exception):
            if swallows_nan(func, args, result):
                made.add(Taint(Hazard.EAGER_GARBAGE, name))
        try:
            self.taints.record(func, args, kwargs, result, frozenset(made), tie)
        except Exception:  # a call the tracking cannot follow: its hazards go global
            self.lost.setdefault(name, None)
        self._lineage(lambda lineage: lineage.after(func, args, kwargs, result, pending))
        for t in tensors_in(result):
            self.dtypes.setdefault(str(t.dtype).removeprefix("torch."), None)
        return result

    def _lineage(self, step: Callable[[Lineage], Any]) -> Any:
        """One step of the lineage; a step that fails ends the lineage (values it has not
        followed are caught by the re-check's replay), never the run."""
        if self.lineage is None:
            return None
        try:
            return step(self.lineage)
        except Exception:
            self.lineage.full = True
            return None

    def _inspect(
        self, name: str, overload: str, args: Any, kwargs: dict[str, Any]
    ) -> Hazard | None:
        """The hazard this call meets: duplicate indices written, or ties ordered."""
        first = args[0] if args else None
        if isinstance(first, torch.Tensor) and first.numel() > MAX_PROBED_NUMEL:
            return None
        if name in SCATTER_LIKE and "reduce" not in overload and "reduce" not in kwargs:
            found = has_duplicates_along(args[2], args[1])
        elif name in INDEX_PUT_LIKE:
            accumulate = args[3] if len(args) > 3 else kwargs.get("accumulate", False)
            found = not accumulate and index_put_has_duplicates(args[1])
        elif name in INDEX_COPY_LIKE:
            found = has_duplicates(args[2])
        elif name in PUT_LIKE:
            accumulate = args[3] if len(args) > 3 else kwargs.get("accumulate", False)
            found = not accumulate and has_duplicates(args[1])
        elif name in ORDER_SENSITIVE and isinstance(first, torch.Tensor):
            if name in VALUE_ONLY_UNLESS_DIM and "dim" not in overload:
                return None
            dim = args[1] if len(args) > 1 and isinstance(args[1], int) else kwargs.get("dim")
            if name == "topk":
                dim = args[2] if len(args) > 2 else kwargs.get("dim", -1)
            if not has_ties(first, dim):
                return None
            self.ties.setdefault(name, None)
            return Hazard.TIES
        else:
            return None
        if not found:
            return None
        self.duplicates.setdefault(name, None)
        return Hazard.DUPLICATE_INDICES

    def report(self, values: dict[str, Any] | None = None) -> Probe:
        """What the run met; ``values`` (output[0], input[1], ... → the run's tensors)
        are the values whose hazards are reported."""
        tainted = []
        for where, value in (values or {}).items():
            taints = self.taints.of_all(tensors_in(value))
            if taints:
                tainted.append((where, tuple(sorted(taints, key=_order))))
        untraced = [f"a value drawn from {t.operator} ({t.hazard.value}) was read into Python"
                    for t in self.taints.escaped]  # fmt: skip
        untraced += [f"the probe could not follow {name}" for name in self.lost]
        untraced += [f"the program calls {name} outside forward, so its model or inputs may "
                     "hold uninitialised memory" for name in self.setup_uninitialised]  # fmt: skip
        return Probe(
            aten_ops=tuple(self.ops),
            random_ops=tuple(self.random),
            duplicate_index_writes=tuple(self.duplicates),
            ties=tuple(self.ties),
            uninitialised=self.uninitialised,
            tainted=tuple(tainted),
            traced=values is not None,
            untraced=tuple(untraced),
            dtypes=tuple(self.dtypes),
        )


def _order(taint: Taint) -> tuple[str, str]:
    return taint.hazard.value, taint.operator
