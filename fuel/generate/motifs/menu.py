"""What motifs are made of: the catalog's operators by role, and the small steps
every motif takes (a call on a given value, a chain of in-place writes, a view).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from fuel.catalog.spec import INT_DTYPES, CallKind, OpSpec, Role, Template
from fuel.generate import census, choices
from fuel.generate.calls import receiver, target_dtype
from fuel.generate.profiles import profiles_for
from fuel.generate.recipe import Binding, Node, Step
from fuel.generate.synth import Pooled, Synth

TRIES = 6  # operators tried per step of a motif before it gives up
TAIL_SIZES = tuple(n for base in (16, 32, 64) for n in range(base + 1, base + 16))
INT_WEIGHTS = {"int8": 3.0, "int16": 3.0, "uint8": 2.0, "int32": 1.0, "int64": 1.0}
# Integer values that never reach the type's limits (abs and neg of the minimum overflow).
SAFE_INT_PROFILES = ("normal", "small_int", "multiples", "ties", "positive", "negative")
SIGNED_PROFILES = ("positive", "negative")  # a minimum of positives, a maximum of negatives


@dataclass(frozen=True, slots=True)
class Menu:
    """The catalog's operators as motifs use them: derived from its tags and calls
    (layers left out: their calls have no receiver to write or view)."""

    pointwise: tuple[OpSpec, ...]
    inplace: tuple[OpSpec, ...]  # pointwise, with an in-place method
    views: tuple[OpSpec, ...]
    reductions: tuple[OpSpec, ...]
    data_dependent: tuple[OpSpec, ...]  # tagged dynamic_output_shape
    out: tuple[OpSpec, ...]  # functions whose aten operator has an out= overload
    indexing: tuple[OpSpec, ...]  # a template with an integer literal slot
    abs_neg: tuple[OpSpec, ...]  # abs/neg and aliases, in some integer dtype
    min_max: tuple[OpSpec, ...]  # min/max/clamp/arg-min/max..., in some integer dtype

    @classmethod
    def of(cls, usable: Sequence[OpSpec]) -> Menu:
        calls = [s for s in usable if s.call.kind is not CallKind.MODULE]
        pointwise = tuple(s for s in calls if "pointwise" in s.tags and s.category == "pointwise")
        return cls(
            pointwise=pointwise,
            inplace=tuple(s for s in pointwise if s.call.inplace),
            views=tuple(s for s in calls if s.view and "dynamic_output_shape" not in s.tags),
            reductions=tuple(s for s in calls if "reduction" in s.tags),
            data_dependent=tuple(s for s in calls if "dynamic_output_shape" in s.tags),
            out=tuple(s for s in calls if "out" in s.tags and s.call.kind is CallKind.FUNCTION
                      and not s.call.target.startswith("torch.nn.")),
            indexing=tuple(s for s in calls if any(index_slots(t) for t in s.templates)),
            abs_neg=tuple(s for s in calls
                          if census.base_name(s.name) in census.ABS_NEG and has_int(s)),
            min_max=tuple(s for s in calls
                          if census.base_name(s.name).startswith(census.EXTREMES)
                          and has_int(s)),
        )  # fmt: skip


def has_int(spec: OpSpec) -> bool:
    return any(d in INT_DTYPES for d in spec.dtypes)


def index_slots(template: Template) -> list[int]:
    """Slots the catalog keeps literal that hold integers (indices, lengths)."""
    return [k for k, s in enumerate(template.slots)
            if s.role is Role.LITERAL and s.dtype in INT_DTYPES and s.numel() > 0]  # fmt: skip


def reshaped(template: Template, shape: tuple[int, ...]) -> Template | None:
    """A pointwise template with every tensor slot of ``shape`` (None with literals)."""
    if any(s.role is Role.LITERAL for s in template.slots) or not template.slots:
        return None
    return replace(template, slots=tuple(replace(s, shape=shape) for s in template.slots))


def fitting(
    synth: Synth, specs: Sequence[OpSpec], dtype: str
) -> list[tuple[OpSpec, int, Template]]:
    """Up to ``TRIES`` (operator, template index, template) that run in ``dtype``."""
    found = [(s, i, t) for s in specs for i, t in enumerate(s.templates) if dtype in t.dtypes]
    synth.rng.shuffle(found)
    return found[:TRIES]


def pooled(synth: Synth, expr: str) -> Pooled | None:
    return next((p for p in synth.pool if p.expr == expr), None)


def base_value(synth: Synth, menu: Menu) -> Pooled | None:
    """An intermediate value that may be written (not an input, nor a view of one);
    a pointwise call makes one when the program has none yet."""
    for _ in range(2):
        found = [p for p in synth.pool if not p.is_input and not p.aliases_input
                 and p.shape and census.numel(p.shape) >= 2]  # fmt: skip
        if found:
            return found[-1] if synth.rng.random() < 0.5 else synth.rng.choice(found)
        synth.add_op(synth.rng.choice(menu.pointwise))
    return None


def fixed_at(
    synth: Synth, spec: OpSpec, template: Template, k: int, source: Pooled, dtype: str,
    writable: bool = False, direct: bool = True,
) -> Binding | None:  # fmt: skip
    """Slot ``k`` of the call fed from ``source`` (as is when ``direct``)."""
    slot = template.slots[k]
    guards = spec.guards_for(slot)
    if writable and (guards or source.dtype != dtype):
        return None  # a guard or a cast copies: the write would not reach the source
    return synth.adapt(source, slot, target_dtype(slot, dtype), guards, writable, direct)


def write_chain(
    synth: Synth, menu: Menu, target: Binding, shape: tuple[int, ...], dtype: str, count: int
) -> int:
    """Up to ``count`` in-place pointwise calls writing through ``target``; how many."""
    placed = 0
    for _ in range(count):
        for spec, index, template in fitting(synth, menu.inplace, dtype):
            shaped = reshaped(template, shape)
            first = receiver(template)
            if shaped is None or first < 0 or spec.guards_for(template.slots[first]):
                continue
            fixed = {first: target}
            if synth.call(spec, index, shaped, dtype, "inplace", fixed=fixed) is not None:
                placed += 1
                break
    return placed


def view_of(synth: Synth, menu: Menu, base: Pooled) -> tuple[Node, Pooled] | None:
    """A view call on ``base`` itself, and the view (one of its results)."""
    for spec, index, template in fitting(synth, menu.views, base.dtype):
        first = receiver(template)
        if first < 0:
            continue
        forms = [f for f in choices.forms(spec, template) if f != "module"]
        form = synth.rng.choice(forms)
        binding = fixed_at(synth, spec, template, first, base, base.dtype)
        if binding is None or not census.aliases(binding):
            continue  # a guard copies (as_strided's): not a view of the base
        node = synth.call(spec, index, template, base.dtype, form, fixed={first: binding})
        if node is not None:
            view = pooled(synth, synth.rng.choice(node.outputs).expr)
            if view is not None:
                return node, view
    return None


def slice_of(synth: Synth, base: Pooled) -> tuple[Binding, tuple[int, ...]]:
    """A prefix slice of ``base`` smaller in at least one dimension, where it can be."""
    target = tuple(synth.rng.randint(1, size) if size else 0 for size in base.shape)
    if target == base.shape and base.shape[0] > 1:
        target = (base.shape[0] - 1, *base.shape[1:])
    step = Step("slice", (target,))
    return Binding(base.expr, (step,), from_shape=base.shape, from_dtype=base.dtype), target


def as_is(value: Pooled) -> Binding:
    return Binding(value.expr, from_shape=value.shape, from_dtype=value.dtype)


def small_shape(rng: random.Random, rank: int | None = None, tail: bool = False) -> tuple[int, ...]:
    rank = rank if rank is not None else rng.randint(1, 3)
    inner = rng.choice(TAIL_SIZES) if tail else rng.randint(2, 7)
    return (*(rng.randint(2, 5) for _ in range(rank - 1)), inner)


def safe_profile(rng: random.Random, dtype: str) -> str:
    """Values of ``dtype`` away from its limits (abs and neg of the minimum overflow)."""
    return rng.choice([p for p in SAFE_INT_PROFILES if p in profiles_for(dtype)])


def int_dtype(rng: random.Random) -> str:
    return choices.weighted(rng, tuple(INT_WEIGHTS), INT_WEIGHTS)
