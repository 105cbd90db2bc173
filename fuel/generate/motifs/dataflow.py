"""Motifs of dataflow: indices the program computes, shapes that depend on the
data, intermediates read twice.
"""

from __future__ import annotations

from fuel.catalog.spec import INT_DTYPES, Role
from fuel.generate import adapters, census, choices
from fuel.generate.calls import receiver
from fuel.generate.motifs.menu import (
    TRIES,
    Menu,
    base_value,
    fitting,
    fixed_at,
    index_slots,
    int_dtype,
    pooled,
)
from fuel.generate.recipe import Binding, Node
from fuel.generate.synth import Pooled, Synth

CAPTURE = (("capture_dynamic_output_shape_ops", True), ("capture_scalar_outputs", True))


def computed_index(synth: Synth, menu: Menu) -> bool:
    for spec in synth.rng.sample(menu.indexing, min(TRIES, len(menu.indexing))):
        index = synth.rng.choice([i for i, t in enumerate(spec.templates) if index_slots(t)])
        template = spec.templates[index]
        dtype = synth.rng.choice(template.dtypes)
        mark = synth.mark()
        fixed = {}
        for k in index_slots(template):
            binding = index_binding(synth, template.slots[k].shape, synth.literal_input(
                template.slots[k]))  # fmt: skip
            if binding is not None:
                fixed[k] = binding
        forms = [f for f in choices.forms(spec, template) if f != "module"]
        if fixed and forms:
            form = synth.rng.choice(forms)
            if synth.call(spec, index, template, dtype, form, fixed=fixed, mark=mark):
                return True
        synth.rollback(*mark)
    return False


def index_binding(synth: Synth, shape: tuple[int, ...], literal: str) -> Binding | None:
    """The literal index, permuted by the stable order of a value the program computed
    (an integer one when there is one: its order is exact in eager and compiled)."""
    count = census.numel(shape)
    values = [p for p in synth.pool if not p.is_input and p.shape] or [
        p for p in synth.pool if p.shape
    ]
    integral = [p for p in values if p.dtype in INT_DTYPES]
    key = synth.rng.choice(integral or values) if values else None
    if key is None:
        key = pooled(synth, synth.new_input((count,), int_dtype(synth.rng), None, False))
        assert key is not None
    options = adapters.shape_options(key.shape, (count,), writable=False)
    if not options:
        return None
    cast = adapters.plan_dtype(key.dtype, "int8") if key.dtype == "bool" else ()
    plan = (*synth.rng.choice(options), *cast)
    step = adapters.reorder(key.expr, key.shape, key.dtype, plan, shape)
    return Binding(literal, (step,))


def data_dependent_shape(synth: Synth, menu: Menu) -> bool:
    rng = synth.rng
    for spec in rng.sample(menu.data_dependent, min(TRIES, len(menu.data_dependent))):
        index = rng.randrange(len(spec.templates))
        template = spec.templates[index]
        forms = [f for f in choices.forms(spec, template) if f != "inplace"]
        dtype = rng.choice(template.dtypes)
        node = synth.call(spec, index, template, dtype, rng.choice(forms)) if forms else None
        if node is None:
            continue
        if rng.random() < 0.5:
            synth.configs.update(CAPTURE)
        value = pooled(synth, node.outputs[0].expr)
        if value is not None:
            reader_of(synth, menu, value)  # a call that reads the data-dependent result
        return True
    return False


def shared_intermediate(synth: Synth, menu: Menu) -> bool:
    base = base_value(synth, menu)
    if base is None:
        return False
    made = [n for n in (reader_of(synth, menu, base) for _ in range(2)) if n is not None]
    if len(made) < 2:
        return False
    synth.kept += [n.outputs[0].expr for n in made]
    if synth.rng.random() < 0.5:
        synth.kept.append(base.expr)
    return True


def reader_of(synth: Synth, menu: Menu, value: Pooled) -> Node | None:
    for spec, index, template in fitting(synth, (*menu.pointwise, *menu.reductions), value.dtype):
        first = receiver(template)
        if first < 0 or template.slots[first].role is Role.LITERAL:
            continue
        binding = fixed_at(synth, spec, template, first, value, value.dtype, direct=False)
        forms = [f for f in choices.forms(spec, template) if f != "inplace"]
        if binding is None or not forms:
            continue
        node = synth.call(spec, index, template, value.dtype, synth.rng.choice(forms),
                          fixed={first: binding})  # fmt: skip
        if node is not None:
            return node
    return None
