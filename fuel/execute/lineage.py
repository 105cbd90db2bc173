"""How values depend on discontinuous operations: their lineage in one eager run.

A cast to an integer, ``floor``, ``round``, ``floor_divide`` or a comparison turns a
rounding difference in its float input into a whole step of its output: eager's
``tanh(9.0)`` is 0.99999994, compiled's 1.0, and ``.to(torch.int32)`` makes that 0 against
1. ORACLE.md counts such a difference only if the discontinuous operation itself
disagrees when both sides give it the same float inputs.

During the probe run, :class:`Lineage` records, as a small ``torch.fx`` graph, every
operation downstream of a discontinuous one, starting from eager's values of the
continuous tensors that flow in; :meth:`Lineage.recipe_for` cuts out the part that
computes one value, for the re-check of :mod:`fuel.execute.recheck`.

Mutations through views the graph does not follow make a part stale; the re-check
replays each part first and drops one that does not reproduce eager's value.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx as fx

from fuel.execute.taint import tensors_in, written_arguments

aten = torch.ops.aten
# Operators whose output jumps where their float input crosses a threshold. Any operator
# taking floats and returning integers or booleans (casts, comparisons, argmax,
# bucketize) is one as well, found by its dtypes.
DISCONTINUOUS = frozenset({
    "floor", "floor_", "ceil", "ceil_", "round", "round_", "trunc", "trunc_", "fix", "fix_",
    "frac", "frac_", "floor_divide", "floor_divide_", "remainder", "remainder_", "fmod",
    "fmod_", "sign", "sign_", "sgn", "sgn_", "heaviside", "heaviside_", "histc",
    "hardshrink", "threshold", "threshold_",
})  # fmt: skip
ROUNDING_DIVISION = frozenset({"div", "div_"})  # with rounding_mode="floor" or "trunc"
MAX_NODES = 512
MAX_RECORDED_ELEMENTS = 1 << 22


def is_float(t: torch.Tensor) -> bool:
    return t.is_floating_point() or t.is_complex()


def rounds_division(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    if str(func.overloadpacket.__name__) not in ROUNDING_DIVISION:
        return False
    mode = kwargs.get("rounding_mode", args[2] if len(args) > 2 else None)
    return mode is not None


class Lineage:
    """The fx graph of everything downstream of a discontinuous operation in one run."""

    def __init__(self) -> None:
        self.graph = fx.Graph()
        self.nodes: dict[int, tuple[torch.Tensor, fx.Node]] = {}
        self.values: dict[fx.Node, torch.Tensor] = {}  # placeholder → eager's value
        self.boundary: set[fx.Node] = set()  # float placeholders read by a discontinuity
        self.discontinuous: dict[fx.Node, str] = {}  # those operations' nodes → aten name
        self.recorded = 0
        self.full = False

    def node_of(self, t: torch.Tensor) -> fx.Node | None:
        entry = self.nodes.get(id(t))
        return entry[1] if entry is not None and entry[0] is t else None

    def _derived(self, args: Any) -> bool:
        return any(self.node_of(t) is not None for t in tensors_in(args))

    def before(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Snapshot what an in-place call will overwrite, if the call may join."""
        written = _written(func, args, kwargs)
        if not written or self.full:
            return None
        reads_float = any(is_float(t) for t in tensors_in((args, kwargs)))
        discrete_write = reads_float and any(not is_float(w) for w in written)
        named = reads_float and self._named(func, args, kwargs)
        if not (self._derived((args, kwargs)) or named or discrete_write):
            return None
        return {id(w): w.detach().clone() for w in written if self.node_of(w) is None}

    def _named(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        return str(func.overloadpacket.__name__) in DISCONTINUOUS or rounds_division(
            func, args, kwargs
        )

    def after(
        self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any, pending: Any
    ) -> None:
        written = _written(func, args, kwargs)
        outputs = tensors_in(result)
        derived = self._derived((args, kwargs))
        named = self._named(func, args, kwargs)
        reads_float = any(is_float(t) for t in tensors_in((args, kwargs)))
        discrete = [t for t in outputs + written if not is_float(t)]
        step = reads_float and (named or bool(discrete))  # a step in a float's value
        if not (derived or step) or not (outputs or written):
            return
        if self.full or (written and pending is None) or not self._fits(args, kwargs):
            self._forget(outputs + written)
            return
        node = self._add_call(func, args, kwargs, written, pending or {}, step)
        if step:
            self.discontinuous[node] = str(func.overloadpacket)
        joined = outputs if (named or derived) else discrete
        self._map_results(node, result, joined)
        for w in written:
            if not any(w is out for out in outputs):
                self._forget([w])  # written but not returned: its graph value is unknown

    def _fits(self, args: Any, kwargs: Any) -> bool:
        fresh = [t for t in tensors_in((args, kwargs)) if self.node_of(t) is None]
        self.recorded += sum(t.numel() for t in fresh)
        if len(self.graph.nodes) > MAX_NODES or self.recorded > MAX_RECORDED_ELEMENTS:
            self.full = True
        return not self.full

    def _forget(self, tensors: list[torch.Tensor]) -> None:
        for t in tensors:
            self.nodes.pop(id(t), None)

    def _add_call(
        self,
        func: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        written: list[torch.Tensor],
        pending: dict[int, torch.Tensor],
        step: bool,
    ) -> fx.Node:
        placeholders: list[fx.Node] = []

        def to_node(value: Any) -> Any:
            if isinstance(value, torch.Tensor):
                node = self.node_of(value)
                if node is None:
                    node = self.graph.placeholder(f"v{len(self.values)}")
                    self.values[node] = pending.get(id(value), value.detach().clone())
                    placeholders.append(node)
                if any(value is w for w in written):
                    node = self.graph.call_function(aten.clone.default, (node,))
                return node
            if isinstance(value, (list, tuple)):
                return type(value)(to_node(v) for v in value)
            return value

        node_args = tuple(to_node(a) for a in args)
        node_kwargs = {k: to_node(v) for k, v in kwargs.items()}
        node = self.graph.call_function(func, node_args, node_kwargs)
        if step:
            self.boundary.update(p for p in placeholders if is_float(self.values[p]))
        return node

    def _map_results(self, node: fx.Node, result: Any, joined: list[torch.Tensor]) -> None:
        if isinstance(result, torch.Tensor):
            pieces: list[tuple[Any, fx.Node]] = [(result, node)]
        elif isinstance(result, (tuple, list)):
            pieces = [
                (value, self.graph.call_function(operator.getitem, (node, i)))
                for i, value in enumerate(result)
            ]
        else:
            return
        for value, piece in pieces:
            if isinstance(value, torch.Tensor) and any(value is t for t in joined):
                self.nodes[id(value)] = (value, piece)

    def recipe_for(self, value: Any) -> Recipe | None:
        """The part of the graph that computes ``value`` (a tensor of the run)."""
        if not isinstance(value, torch.Tensor):
            return None
        target = self.node_of(value)
        if target is None:
            return None
        needed = ancestors(target)
        graph = fx.Graph()
        env: dict[fx.Node, fx.Node] = {}
        inputs: list[torch.Tensor] = []
        boundary: list[bool] = []
        steps: dict[fx.Node, str] = {}
        for node in self.graph.nodes:
            if node not in needed:
                continue
            env[node] = graph.node_copy(node, lambda n: env[n])
            if node.op == "placeholder":
                inputs.append(self.values[node])
                boundary.append(node in self.boundary)
            if node in self.discontinuous:
                steps[env[node]] = self.discontinuous[node]
        graph.output(env[target])
        module = fx.GraphModule(torch.nn.Module(), graph)
        return Recipe(module, tuple(inputs), tuple(boundary), steps)


def _written(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[torch.Tensor]:
    return written_arguments(func, args, kwargs)[0]


def ancestors(node: fx.Node) -> set[fx.Node]:
    seen: set[fx.Node] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(current.all_input_nodes)
    return seen


@dataclass(frozen=True, slots=True)
class Recipe:
    """A value's lineage: a graph module, eager's inputs to it, which inputs feed a
    discontinuity (those get nudged), and its discontinuous nodes."""

    module: fx.GraphModule
    inputs: tuple[torch.Tensor, ...]
    boundary: tuple[bool, ...]
    steps: dict[fx.Node, str]

    def run(self, inputs: tuple[torch.Tensor, ...] | None = None) -> Any:
        with torch.no_grad():
            return self.module(*[t.clone() for t in (inputs or self.inputs)])
