"""The re-check of a value that differs downstream of discontinuous operations.

For such a value (its lineage cut out by :mod:`fuel.execute.lineage`), run by the
worker after the compiled phase, :func:`recheck`:

1. replays the value's lineage eagerly; if that does not reproduce eager's value
   exactly (a mutation through a view it did not follow), it gives up;
2. recomputes the value with the discontinuous operations' float inputs nudged by a
   few ulps (up, down and at random): per element, the variant nearest to compiled's
   value says whether rounding amplified by the step explains compiled's value;
3. only when some nudge moves the value where compiled differs, compiles each
   discontinuous operation alone (the same compile options) on the exact inputs eager
   gave it, and names those whose result differs from eager's.

The judge (``fuel.judge.discrete``) draws the conclusion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.fx as fx

from fuel.execute.lineage import Lineage, Recipe, is_float
from fuel.execute.records import DiscreteRecheck, RunOutcome

NUDGE_ULPS = (1, 4, 16)
NUDGE_SEEDS = (1, 2)
AGREEING_ULPS = 4

Compile = Callable[[torch.nn.Module], Callable[..., Any]]


def recheck(
    where: str,
    recipe: Recipe,
    eager: torch.Tensor,
    compiled: torch.Tensor,
    compile_fn: Compile,
) -> DiscreteRecheck | None:
    """The re-check of one differing value (see the module docstring); None when the
    lineage does not reproduce eager's value."""
    replayed = recipe.run()
    if not isinstance(replayed, torch.Tensor) or not same_values(replayed, eager):
        return None
    operators = tuple(sorted(set(recipe.steps.values())))
    if compiled.dtype != eager.dtype:
        return DiscreteRecheck(where, eager, operators)  # not a difference a step explains
    if compiled.shape != eager.shape:  # a step upstream of unique, nonzero, masked_select
        whole = reshaped_variant(recipe, compiled)
        if whole is None:
            return DiscreteRecheck(where, eager, operators)
        return DiscreteRecheck(where, whole, operators, disagreeing(recipe, compile_fn))
    nearest = nearest_variant(recipe, eager, compiled)
    moved = ~_equal_elements(nearest, eager) & ~_equal_elements(compiled, eager)
    if not bool(moved.any()):
        return DiscreteRecheck(where, nearest, operators)
    return DiscreteRecheck(where, nearest, operators, disagreeing(recipe, compile_fn))


def nudged(t: torch.Tensor, ulps: int, seed: int | None) -> torch.Tensor:
    """``t`` scaled by 1 ± ulps·eps: all up (seed None, ulps > 0), all down (ulps < 0),
    or each element a random amount within ± ulps·eps (a seed)."""
    eps = torch.finfo(t.dtype).eps
    wide = t.to(torch.complex128 if t.is_complex() else torch.float64)
    if seed is None:
        scale = torch.full(t.shape, ulps * eps, dtype=torch.float64)
    else:
        generator = torch.Generator().manual_seed(seed)
        noise = torch.rand(t.shape, generator=generator, dtype=torch.float64) * 2 - 1
        scale = noise * abs(ulps) * eps
    return (wide * (1 + scale)).to(t.dtype)


def variants(recipe: Recipe) -> list[Any]:
    plans: list[tuple[int, int | None]] = [(s * k, None) for k in NUDGE_ULPS for s in (1, -1)]
    plans += [(k, seed) for k in NUDGE_ULPS for seed in NUDGE_SEEDS]
    found = []
    for ulps, seed in plans:
        inputs = tuple(
            nudged(t, ulps, seed) if feeds and is_float(t) and t.numel() else t
            for t, feeds in zip(recipe.inputs, recipe.boundary, strict=True)
        )
        try:
            found.append(recipe.run(inputs))
        except Exception:  # a nudge may leave an operator's domain; that variant is lost
            continue
    return found


def nearest_variant(recipe: Recipe, eager: torch.Tensor, compiled: torch.Tensor) -> torch.Tensor:
    """Per element, of eager and its nudged variants the value nearest compiled's."""
    best = eager.clone()
    distance = _distance(best, compiled)
    for variant in variants(recipe):
        if not isinstance(variant, torch.Tensor) or variant.shape != eager.shape:
            continue
        variant = variant.to(eager.dtype)
        closer = _distance(variant, compiled) < distance
        best = torch.where(closer, variant, best)
        distance = torch.where(closer, _distance(variant, compiled), distance)
    return best


def reshaped_variant(recipe: Recipe, compiled: torch.Tensor) -> torch.Tensor | None:
    """Of the nudged recomputations with compiled's shape and dtype, the one with the
    fewest elements unequal to compiled's; None when none has that shape. A step that
    changes how many elements a value has is explained only as a whole, by one nudge."""
    shaped = [v for v in variants(recipe) if isinstance(v, torch.Tensor)
              and v.shape == compiled.shape and v.dtype == compiled.dtype]  # fmt: skip
    return min(shaped, key=lambda v: int((~_equal_elements(v, compiled)).sum()), default=None)


def _wide(t: torch.Tensor) -> torch.Tensor:
    if t.is_complex():
        return torch.view_as_real(t.to(torch.complex128))
    return t.to(torch.float64)


def _distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    wa, wb = _wide(a), _wide(b)
    gap = (wa - wb).abs()
    both_nan = wa.isnan() & wb.isnan()
    same_inf = wa.isinf() & (wa == wb)
    gap = torch.where(both_nan | same_inf, torch.zeros_like(gap), gap)
    gap = torch.nan_to_num(gap, nan=float("inf"))
    if a.is_complex():
        gap = gap.amax(-1)
    return gap


def _equal_elements(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return _distance(a, b) == 0


def same_values(a: Any, b: Any) -> bool:
    """Equal dtype, shape and elements (NaN equal to NaN)."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        return bool(_equal_elements(a, b).all())
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class _Recorder(fx.Interpreter):
    """Replays a lineage eagerly, keeping each discontinuous node's inputs and result."""

    def __init__(self, recipe: Recipe) -> None:
        super().__init__(recipe.module)
        self.steps = recipe.steps
        self.calls: list[tuple[fx.Node, tuple[Any, ...], dict[str, Any], Any]] = []

    def run_node(self, n: fx.Node) -> Any:
        if n not in self.steps:
            return super().run_node(n)
        args, kwargs = self.fetch_args_kwargs_from_env(n)
        copied = _clone_tensors((args, kwargs))
        result = super().run_node(n)
        self.calls.append((n, copied[0], copied[1], _clone_tensors(result)))
        return result


def _clone_tensors(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return type(value)(_clone_tensors(v) for v in value)
    if isinstance(value, dict):
        return {k: _clone_tensors(v) for k, v in value.items()}
    return value


def disagreeing(recipe: Recipe, compile_fn: Compile) -> tuple[str, ...]:
    """The discontinuous operations whose compiled result, on the inputs eager gave
    them, differs from eager's."""
    recorder = _Recorder(recipe)
    with torch.no_grad():
        recorder.run(*[t.clone() for t in recipe.inputs])
    graph = fx.Graph()
    inputs: list[torch.Tensor] = []
    results: list[fx.Node] = []

    def to_node(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            inputs.append(value)
            return graph.placeholder(f"x{len(inputs)}")
        if isinstance(value, (list, tuple)):
            return type(value)(to_node(v) for v in value)
        return value

    for node, args, kwargs, _ in recorder.calls:
        assert callable(node.target)
        results.append(graph.call_function(node.target, to_node(args), to_node(kwargs)))
    graph.output(tuple(results))
    module = fx.GraphModule(torch.nn.Module(), graph)
    with torch.no_grad():
        compiled = compile_fn(module)(*[t.clone() for t in inputs])
    names = [
        recipe.steps[node]
        for (node, _, _, expected), got in zip(recorder.calls, compiled, strict=True)
        if not agrees(_on_cpu(got), expected)
    ]
    return tuple(dict.fromkeys(names))


def agrees(got: Any, expected: Any) -> bool:
    """Equal, or for the few discontinuous operations with fractional float results
    (``remainder``, ``frac``), within a few ulps."""
    if same_values(got, expected):
        return True
    if isinstance(got, (list, tuple)) and isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(
            agrees(g, e) for g, e in zip(got, expected, strict=True)
        )
    if not (isinstance(got, torch.Tensor) and isinstance(expected, torch.Tensor)):
        return False
    if got.shape != expected.shape or got.dtype != expected.dtype or not is_float(got):
        return False
    eps = torch.finfo(got.dtype).eps
    gap, scale = _distance(got, expected), _wide(expected).abs()
    if expected.is_complex():
        scale = scale.amax(-1)
    return bool((gap <= AGREEING_ULPS * eps * scale).all())


def _on_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, (list, tuple)):
        return type(value)(_on_cpu(v) for v in value)
    return value


def run_discrete(
    lineage: Lineage,
    live_values: dict[str, Any],
    eager: RunOutcome,
    compiled: RunOutcome,
    reference: RunOutcome | None,
    compile_fn: Compile,
) -> tuple[DiscreteRecheck, ...] | None:
    """Re-check the values that differ downstream of a discontinuous operation
    (``live_values``: the probe run's tensors by name); None when there are none. A
    value compiled gives exactly as the float64 reference does wherever it differs
    from eager needs no explaining: the judge finds compiled right there."""
    eager_values, compiled_values = eager.values(), compiled.values()
    reference_values = reference.values() if reference is not None and reference.ok else {}
    pending = []
    for where, live in live_values.items():
        e, c = eager_values.get(where), compiled_values.get(where)
        if not (isinstance(e, torch.Tensor) and isinstance(c, torch.Tensor)):
            continue
        if same_values(e, c) or compiled_is_reference(e, c, reference_values.get(where)):
            continue
        recipe = lineage.recipe_for(live)
        if recipe is not None:
            pending.append((where, recipe, e, c))
    if not pending:
        return None
    found = (recheck(where, p, e, c, compile_fn) for where, p, e, c in pending)
    return tuple(r for r in found if r is not None)


def compiled_is_reference(e: torch.Tensor, c: torch.Tensor, reference: Any) -> bool:
    """Wherever compiled differs from eager, does it equal float64's answer exactly?"""
    if not isinstance(reference, torch.Tensor) or reference.shape != c.shape:
        return False
    if e.shape != c.shape or e.dtype != c.dtype or reference.is_complex() != c.is_complex():
        return False
    differs = ~_equal_elements(e, c)
    answer = reference.to(c.dtype)
    return bool(_equal_elements(c, answer)[differs].all())
