"""Motifs of aliasing and mutation: writes through views, views returned beside
their base, inputs and buffers written in place, results written with ``out=``.
"""

from __future__ import annotations

from dataclasses import replace

from fuel.catalog.spec import DTYPES, FLOAT_DTYPES, INT_DTYPES
from fuel.generate import adapters, choices
from fuel.generate.motifs.menu import (
    Menu,
    as_is,
    base_value,
    fitting,
    int_dtype,
    pooled,
    safe_profile,
    slice_of,
    small_shape,
    view_of,
    write_chain,
)
from fuel.generate.recipe import Binding, Node, Step
from fuel.generate.synth import Synth


def inplace_on_view(synth: Synth, menu: Menu) -> bool:
    base = base_value(synth, menu)
    if base is None:
        return False
    found = view_of(synth, menu, base) if synth.rng.random() < 0.5 else None
    if found is not None:
        target, shape = as_is(found[1]), found[1].shape
    else:
        target, shape = slice_of(synth, base)
    if not write_chain(synth, menu, target, shape, base.dtype, synth.rng.randint(1, 3)):
        return False
    synth.kept.append(base.expr)
    if found is not None and synth.rng.random() < 0.5:
        synth.kept.append(found[1].expr)
    return True


def view_beside_base(synth: Synth, menu: Menu) -> bool:
    base = base_value(synth, menu)
    found = view_of(synth, menu, base) if base is not None else None
    if base is None or found is None:
        return False
    synth.kept += [base.expr, found[1].expr]
    return True


def mutated_input(synth: Synth, menu: Menu) -> bool:
    """Integer and bool inputs mostly; a floating input a third of the time (such a
    program is invalid under ``backward=True``: autograd refuses the write)."""
    rng = synth.rng
    dtype = rng.choice(FLOAT_DTYPES) if rng.random() < 1 / 3 else int_dtype(rng)
    shape = small_shape(rng)
    mark = synth.mark()
    name = synth.new_input(shape, dtype, None, False, writable=True)
    source = pooled(synth, name)
    assert source is not None
    target, target_shape = slice_of(synth, source) if rng.random() < 0.4 else (as_is(source), shape)
    if write_chain(synth, menu, target, target_shape, dtype, rng.randint(1, 2)):
        return True
    synth.rollback(*mark)
    return False


def mutated_buffer(synth: Synth, menu: Menu) -> bool:
    rng = synth.rng
    dtype = rng.choice(FLOAT_DTYPES) if rng.random() < 0.6 else int_dtype(rng)
    shape = small_shape(rng)
    mark = synth.mark()
    profile = safe_profile(rng, dtype) if dtype in INT_DTYPES else "normal"
    source = pooled(synth, synth.new_buffer(shape, dtype, profile))
    assert source is not None
    if write_chain(synth, menu, as_is(source), shape, dtype, rng.randint(1, 2)):
        return True
    synth.rollback(*mark)
    return False


def out_variant(synth: Synth, menu: Menu) -> bool:
    rng = synth.rng
    for spec, index, template in fitting(synth, menu.out, choices.weighted(
            rng, DTYPES, choices.DTYPE_WEIGHTS)):  # fmt: skip
        if template.outputs != ((),):
            continue
        dtype = rng.choice(template.dtypes)
        mark = synth.mark()
        node = synth.call(spec, index, template, dtype, "function", mark=mark)
        if node is None:
            continue
        synth.undo(node)  # known to work: its result tells the destination's shape
        result = node.outputs[0]
        dest, base = destination(synth, node, result.shape, result.dtype)
        if synth.place(replace(node, form="out", dest=dest, outputs=()), *mark) is not None:
            synth.kept += [base] if base else []
            return True
    return False


def destination(
    synth: Synth, node: Node, shape: tuple[int, ...], dtype: str
) -> tuple[Binding, str]:
    """Where an ``out=`` call writes: a value of the result's shape, a slice of a larger
    one, or fresh zeros; and the value written into ("" for zeros)."""
    read = {b.source for b in node.bindings}
    usable = [p for p in synth.pool if not p.aliases_input and p.expr not in read
              and p.dtype == dtype and not p.is_input]  # fmt: skip
    same = [p for p in usable if p.shape == shape]
    larger = [p for p in usable if len(p.shape) == len(shape) and p.shape != shape
              and all(a >= b for a, b in zip(p.shape, shape, strict=True))]  # fmt: skip
    pick = synth.rng.random()
    if same and pick < 0.4:
        chosen = synth.rng.choice(same)
        return as_is(chosen), chosen.expr
    if larger and pick < 0.7:
        chosen = synth.rng.choice(larger)
        step = Step("slice", (shape,))
        return replace(as_is(chosen), steps=(step,)), chosen.expr
    return Binding("", (adapters.zeros(shape, dtype),), from_shape=shape, from_dtype=dtype), ""
