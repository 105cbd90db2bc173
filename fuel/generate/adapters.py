"""Adapters: the small steps that connect one operator's output to another's input.

A value of some shape and dtype must fill a slot of another shape and dtype. Shapes
are bridged by views and copies compilers handle every day (reshape, expand, slicing,
permute, flatten-and-take, tiling); dtypes by ``.to``, never through undefined
behaviour: floats become integers only once finite and in range, integers narrow
only after a clamp to the target's range, and value guards (``fuel.catalog.domains``)
keep divisors non-zero and shifts within the bit width.

``plan_*`` functions choose steps (with the generator's random source); ``render``
turns steps into source. Both are deterministic given their arguments.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from fuel.catalog.spec import FLOAT_DTYPES, INT_DTYPES
from fuel.generate.profiles import INT_RANGE, dims, sizes
from fuel.generate.recipe import Step

FLOAT16_MAX = 65504
CAST_LOW, CAST_HIGH = -100, 100  # as fuel.catalog.domains: floats cast to integers
# Guards that read their operand twice: the operand gets a name first.
NAMED_GUARDS = frozenset({"nonzero"})


def broadcastable(source: Sequence[int], target: Sequence[int]) -> bool:
    if len(source) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(reversed(source), reversed(target), strict=False))


def shape_options(
    source: tuple[int, ...], target: tuple[int, ...], writable: bool
) -> list[tuple[Step, ...]]:
    """Every way this module knows to turn ``source`` into ``target``, simplest first."""
    if source == target:
        return [()]
    n, m = math.prod(source), math.prod(target)
    options: list[tuple[Step, ...]] = []
    if len(source) == len(target) >= 2 and sorted(source) == sorted(target):
        options.append((Step("permute", (permutation(source, target),)),))
    if broadcastable(source, target) and not writable:
        options.append((Step("expand", (target,)),))
    if n == m:
        options.append((Step("reshape", (target,)),))
    if len(source) == len(target) and all(s >= t for s, t in zip(source, target, strict=True)):
        options.append((Step("slice", (target,)),))
    if n >= m:
        options.append((Step("flat", (m, target)),))
    elif n > 0:
        options.append((Step("tile", (math.ceil(m / n), m, target)),))
    return options


def permutation(source: tuple[int, ...], target: tuple[int, ...]) -> tuple[int, ...]:
    """Dims of ``source`` in an order that gives ``target`` (the first match for ties)."""
    free = list(range(len(source)))
    order = []
    for size in target:
        pick = next(i for i in free if source[i] == size)
        free.remove(pick)
        order.append(pick)
    return tuple(order)


def plan_shape(
    source: tuple[int, ...], target: tuple[int, ...], writable: bool, rng: random.Random
) -> tuple[Step, ...] | None:
    options = shape_options(source, target, writable)
    if not options:
        return None
    return options[0] if len(options) == 1 else rng.choice(options)


def plan_dtype(source: str, target: str) -> tuple[Step, ...]:
    """Steps that cast without undefined behaviour."""
    if source == target:
        return ()
    to = Step("to", (target,))
    if source in FLOAT_DTYPES and target in INT_DTYPES:
        guard = "castable_unsigned" if target == "uint8" else "castable"
        return (Step("guard", (guard, source)), to)
    if source in INT_DTYPES and target in INT_DTYPES:
        low, high = INT_RANGE[source]
        new_low, new_high = max(low, INT_RANGE[target][0]), min(high, INT_RANGE[target][1])
        if (new_low, new_high) != (low, high):
            return (Step("clamp", (new_low, new_high)), to)
        return (to,)
    if source in INT_DTYPES and target == "float16" and source not in ("int8", "uint8", "int16"):
        return (Step("clamp", (-FLOAT16_MAX, FLOAT16_MAX)), to)
    return (to,)


def plan_guards(names: Sequence[str], dtype: str, shape: tuple[int, ...]) -> tuple[Step, ...]:
    """Guard steps for a slot of ``dtype``; guards with nothing to do are left out."""
    steps = []
    for name in names:
        if guard_source(name, "x", dtype, shape) != "x":
            steps.append(Step("guard", (name, dtype)))
    return tuple(steps)


def guard_source(name: str, expr: str, dtype: str, shape: tuple[int, ...] = (1,)) -> str:
    """The source form of ``fuel.catalog.domains.GUARDS[name]`` for a ``dtype`` tensor."""
    is_int = dtype in INT_DTYPES
    is_float = dtype in FLOAT_DTYPES
    if name == "nonzero" and is_int:
        if dtype == "uint8":
            return f"{expr}.masked_fill({expr} == 0, 1)"
        return f"{expr}.masked_fill(({expr} == 0) | ({expr} == -1), 1)"
    if name == "shift" and is_int:
        return f"{expr}.clamp(0, {8 * item_size(dtype) - 1})"
    if name == "small_exponent" and is_int:
        return f"{expr}.clamp(0, 3)"
    if name == "degree" and is_float:
        return f"{expr}.nan_to_num(0.0, 0.0, 0.0).clamp(0, 16)"
    if name == "degree" and is_int:
        return f"{expr}.clamp(0, 16)"
    if name == "ascending" and dtype != "bool" and len(shape) > 0:
        return f"{expr}.sort(dim=-1).values"
    if name == "dense":
        return f"{expr}.clone(memory_format=torch.contiguous_format)"
    if name == "finite" and is_float:
        return f"{expr}.nan_to_num(0.0, 0.0, 0.0)"
    if name == "castable" and is_float:
        return f"{expr}.nan_to_num(0.0, 0.0, 0.0).clamp({CAST_LOW}, {CAST_HIGH})"
    if name == "castable_unsigned" and is_float:
        return f"{expr}.nan_to_num(0.0, 0.0, 0.0).clamp(0, {CAST_HIGH})"
    if name == "castable_unsigned" and is_int:
        return f"{expr}.clamp(min=0)"
    return expr


def item_size(dtype: str) -> int:
    return {"int8": 1, "uint8": 1, "int16": 2, "int32": 4, "int64": 8}[dtype]


def anchor(dtype: str) -> str:
    """The model buffer whose dtype a cast to floating ``dtype`` follows.

    Casts to a floating dtype are written ``x.to(self.dtype_float16.dtype)``, not
    ``x.to(torch.float16)``: the judge's float64 reference runs the model after
    ``model.to(torch.float64)``, which turns these buffers, and so every such cast, to
    float64. A cast pinned to ``torch.float16`` would keep the reference in half
    precision, and eager and the reference would share eager's rounding.
    """
    return f"dtype_{dtype}"


def anchors(steps: Sequence[Step]) -> set[str]:
    """The floating dtypes a sequence of steps casts to (or makes a tensor of)."""
    found = {s.params[0] for s in steps if s.kind == "to"}
    found |= {s.params[1] for s in steps if s.kind == "zeros"}
    found |= {d for s in steps if s.kind == "reorder" for d in anchors(key_steps(s))}
    return found & set(FLOAT_DTYPES)


def dtype_arg(dtype: str) -> str:
    """A dtype argument; floating ones follow their anchor (see :func:`anchor`)."""
    return f"self.{anchor(dtype)}.dtype" if dtype in FLOAT_DTYPES else f"torch.{dtype}"


def key_steps(step: Step) -> tuple[Step, ...]:
    """The steps from a reorder step's key source to its flat key."""
    return tuple(Step(kind, params) for kind, params in step.params[3])


def reorder(
    key: str, key_shape: tuple[int, ...], key_dtype: str, plan: Sequence[Step],
    shape: tuple[int, ...],
) -> Step:  # fmt: skip
    """A step that permutes a tensor's elements by the stable order of the value ``key``
    (of ``key_shape`` and ``key_dtype``; ``plan``, shape and cast steps only, makes it
    flat and of the tensor's size): the same elements, in an order the program computes.
    For an index tensor, every index stays in range and none is repeated that was not
    repeated before."""
    steps = tuple((s.kind, s.params) for s in plan)
    return Step("reorder", (key, key_shape, key_dtype, steps, shape))


def reorder_keys(steps: Sequence[Step]) -> list[tuple[str, tuple[int, ...], str]]:
    """The values reorder steps read: (expression, shape, dtype) each."""
    return [(s.params[0], s.params[1], s.params[2]) for s in steps if s.kind == "reorder"]


def zeros(shape: tuple[int, ...], dtype: str) -> Step:
    """A step that makes a fresh zero tensor (its binding has no source): an ``out=``
    destination."""
    return Step("zeros", (shape, dtype))


def render_step(step: Step, expr: str) -> str:
    kind, p = step.kind, step.params
    if kind == "reshape":
        return f"{expr}.reshape{sizes(p[0])}"
    if kind == "expand":
        return f"{expr}.expand{sizes(p[0])}"
    if kind == "permute":
        return f"{expr}.permute{sizes(p[0])}"
    if kind == "slice":
        return f"{expr}[{', '.join(f':{t}' for t in p[0])}]" if p[0] else expr
    if kind == "flat":
        return f"{expr}.reshape(-1)[:{p[0]}].reshape{sizes(p[1])}"
    if kind == "tile":
        return f"{expr}.reshape(-1).repeat({p[0]})[:{p[1]}].reshape{sizes(p[2])}"
    if kind == "to":
        return f"{expr}.to({dtype_arg(p[0])})"
    if kind == "zeros":
        return f"torch.zeros({dims(p[0])}, dtype={dtype_arg(p[1])})"
    if kind == "reorder":
        _, key = render(p[0], key_steps(step), "")
        order = f"torch.argsort({key}, stable=True)"
        return f"{expr}.reshape(-1)[{order}].reshape{sizes(p[4])}"
    if kind == "clamp":
        return f"{expr}.clamp({p[0]}, {p[1]})"
    if kind == "guard":
        return guard_source(p[0], expr, p[1])
    raise ValueError(f"unknown adapter step {kind!r}")


def render(source: str, steps: Sequence[Step], temp: str) -> tuple[list[str], str]:
    """(lines to emit first, expression): a named temporary where a guard reads twice."""
    lines: list[str] = []
    expr = source
    for step in steps:
        if step.kind == "guard" and step.params[0] in NAMED_GUARDS and not expr.isidentifier():
            lines.append(f"{temp} = {expr}")
            expr = temp
        expr = render_step(step, expr)
    return lines, expr
