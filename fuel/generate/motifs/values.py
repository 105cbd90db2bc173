"""Motifs of values: layouts, dtypes that promote, scalar operands, reductions with
a vector tail, integers of every width through abs/neg and min/max.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fuel.catalog.spec import DTYPES, OpSpec, Role, Slot, Template
from fuel.generate import adapters, census, choices
from fuel.generate.calls import receiver, target_dtype
from fuel.generate.motifs.menu import (
    INT_WEIGHTS,
    SIGNED_PROFILES,
    TAIL_SIZES,
    Menu,
    fitting,
    fixed_at,
    int_dtype,
    pooled,
    reshaped,
    safe_profile,
    small_shape,
)
from fuel.generate.profiles import profiles_for
from fuel.generate.recipe import Binding, Node
from fuel.generate.synth import Pooled, Synth, widened

# Python numbers for scalar operands: 2 and 3 satisfy every value guard (non-zero
# divisors, shifts within 8 bits, exponents up to 3).
INT_SCALARS = (2, 3)
FLOAT_SCALARS = (0.5, -1.5, 2.0, 3.25)
PROMOTIONS = (("int8", "float16"), ("uint8", "int8"), ("int16", "bfloat16"), ("bool", "int32"),
              ("float16", "bfloat16"), ("int32", "float16"), ("int64", "float32"),
              ("uint8", "int16"), ("int8", "int16"), ("float32", "float64"))  # fmt: skip


def strided_inputs(synth: Synth, menu: Menu) -> bool:
    rng = synth.rng
    shape = small_shape(rng, rank=rng.choice((2, 3, 4, 4)), tail=rng.random() < 0.3)
    dtype = choices.weighted(rng, DTYPES, choices.DTYPE_WEIGHTS)
    for spec, index, template in fitting(synth, (*menu.pointwise, *menu.reductions), dtype):
        shaped = reshaped(template, shape)
        if shaped is None:
            continue
        mark = synth.mark()
        fixed = {}
        for k, slot in enumerate(shaped.slots):
            layouts = [x for x in choices.layouts_for(shape) if x != "contiguous"]
            layout = "channels_last" if len(shape) == 4 and rng.random() < 0.5 else None
            name = synth.new_input(shape, target_dtype(slot, dtype), None, False,
                                   layout=layout or rng.choice(layouts))  # fmt: skip
            guards = spec.guards_for(slot)
            steps = adapters.plan_guards(guards, target_dtype(slot, dtype), shape)
            fixed[k] = Binding(name, steps, guards=guards, from_shape=shape,
                               from_dtype=target_dtype(slot, dtype))  # fmt: skip
        form = rng.choice([f for f in choices.forms(spec, shaped) if f != "inplace"] or ["?"])
        if form != "?" and synth.call(spec, index, shaped, dtype, form, fixed=fixed, mark=mark):
            return True
        synth.rollback(*mark)
    return False


def binary(spec: OpSpec, template: Template) -> bool:
    """Two or more tensor slots whose dtype follows the call's (they promote)."""
    return sum(1 for s in template.slots if s.role is Role.DATA and s.follows) >= 2


def type_promotion(synth: Synth, menu: Menu) -> bool:
    rng = synth.rng
    first, second = rng.choice(PROMOTIONS)
    if rng.random() < 0.5:
        first, second = second, first
    shape = small_shape(rng, tail=rng.random() < 0.3)
    for spec, index, template in fitting(synth, menu.pointwise, first):
        shaped = reshaped(template, shape)
        if shaped is None or not binary(spec, shaped) or second not in shaped.dtypes:
            continue
        other = next(k for k, s in enumerate(shaped.slots) if s.follows and k > 0)
        mark = synth.mark()
        name = synth.new_input(shape, second, None, False)
        guards = spec.guards_for(shaped.slots[other])
        steps = adapters.plan_guards(guards, second, shape)
        fixed = {other: Binding(name, steps, mixed=True, guards=guards, from_shape=shape,
                                from_dtype=second)}  # fmt: skip
        node = synth.call(spec, index, shaped, first, "function", fixed=fixed, mark=mark)
        if node is not None:
            then_pointwise(synth, menu, node)
            return True
    return False


def then_pointwise(synth: Synth, menu: Menu, node: Node) -> bool:
    """One pointwise call reading the node's first result as is (a longer fusion)."""
    value = pooled(synth, node.outputs[0].expr)
    if value is None:
        return False
    for spec, index, template in fitting(synth, menu.pointwise, value.dtype):
        shaped = reshaped(template, value.shape)
        if shaped is None or receiver(shaped) < 0:
            continue
        binding = fixed_at(synth, spec, shaped, receiver(shaped), value, value.dtype)
        if binding is None:
            continue
        form = synth.rng.choice(choices.forms(spec, shaped))
        if synth.call(spec, index, shaped, value.dtype, form, fixed={receiver(shaped): binding}):
            return True
    return False


def scalar_operand(synth: Synth, menu: Menu) -> bool:
    rng = synth.rng
    shape = small_shape(rng, tail=rng.random() < 0.3)
    dtype = choices.weighted(rng, DTYPES, choices.DTYPE_WEIGHTS)
    for spec, index, template in fitting(synth, menu.pointwise, dtype):
        shaped = reshaped(template, shape)
        if shaped is None or not binary(spec, shaped):
            continue
        other = next(k for k, s in enumerate(shaped.slots) if s.follows and k > 0)
        slot = replace(shaped.slots[other], shape=())
        shaped = replace(shaped, slots=tuple(slot if k == other else s
                                             for k, s in enumerate(shaped.slots)))  # fmt: skip
        mark = synth.mark()
        first = next(k for k, s in enumerate(shaped.slots) if s.follows and k != other)
        tensor = tensor_operand(synth, spec, shaped, first, dtype)
        fixed = {other: scalar_binding(synth, spec, slot, dtype)}
        fixed.update({first: tensor} if tensor is not None else {})
        form = rng.choice(choices.forms(spec, shaped))
        if synth.call(spec, index, shaped, dtype, form, fixed=fixed, mark=mark) is not None:
            return True
    return False


def tensor_operand(
    synth: Synth, spec: OpSpec, template: Template, k: int, dtype: str
) -> Binding | None:
    """Slot ``k`` from an earlier value of higher rank (reshaped to the slot), or from a
    new input of the slot's shape."""
    found = [p for p in synth.pool if p.shape and not p.is_input]
    if found:
        source = synth.rng.choice(found)
    else:
        slot = template.slots[k]
        made = pooled(synth, synth.new_input(slot.shape, target_dtype(slot, dtype), None, False))
        assert made is not None
        source = made
    return fixed_at(synth, spec, template, k, source, dtype, direct=False)


def scalar_binding(synth: Synth, spec: OpSpec, slot: Slot, dtype: str) -> Binding:
    """A Python number (half the time) or a 0-d tensor, maybe of another dtype."""
    rng = synth.rng
    guards = spec.guards_for(slot)
    if rng.random() < 0.5:
        floating = not guards and rng.random() < 0.5
        value = rng.choice(FLOAT_SCALARS) if floating else rng.choice(INT_SCALARS)
        return Binding(synth.new_scalar("float" if floating else "int", value))
    kind = rng.choice((dtype, choices.weighted(rng, DTYPES, choices.DTYPE_WEIGHTS)))
    name = synth.new_input((), kind, None, False)
    steps = adapters.plan_guards(guards, kind, ())
    return Binding(name, steps, mixed=kind != dtype, guards=guards, from_shape=(), from_dtype=kind)


def tail_reduction(synth: Synth, menu: Menu) -> bool:
    """Half the time a minimum or maximum (arg-forms included): vectorised min/max
    reductions of narrow integers have their own code (pytorch#191499)."""
    rng = synth.rng
    dtype = choices.weighted(rng, DTYPES, {**choices.DTYPE_WEIGHTS, **INT_WEIGHTS})
    named = {s.name for s in menu.min_max}
    extremes = [s for s in menu.reductions if s.name in named]
    specs = extremes if extremes and rng.random() < 0.5 else menu.reductions
    for spec, index, template in fitting(synth, specs, dtype):
        shaped = tail_shaped(template, rng.choice(TAIL_SIZES))
        first = receiver(template)
        forms = [f for f in choices.forms(spec, template) if f != "inplace"]
        if shaped is None or first < 0 or not forms:
            continue
        mark = synth.mark()
        slot = shaped.slots[first]
        kind = target_dtype(slot, dtype)
        one_sign = [p for p in SIGNED_PROFILES if p in profiles_for(kind)]
        profile = rng.choice(one_sign) if one_sign and rng.random() < 0.5 else None
        name = synth.new_input(slot.shape, kind, profile, False)
        source = pooled(synth, name)
        assert source is not None
        binding = fixed_at(synth, spec, shaped, first, source, dtype)
        fixed = {first: binding} if binding is not None else {}
        if fixed and synth.call(spec, index, shaped, dtype, rng.choice(forms), fixed=fixed,
                                mark=mark):  # fmt: skip
            return True
        synth.rollback(*mark)
    return False


def tail_shaped(template: Template, size: int) -> Template | None:
    """The reduction's template with the dimension it reduces of ``size`` (its first
    tensor's; every innermost dimension when it reduces all of them)."""
    dim, first = census.reduced_dim(template), receiver(template)
    rank = len(template.slots[first].shape) if first >= 0 else 0
    if dim is None or not -rank <= dim < rank:
        return widened(template, size)
    slot = template.slots[first]
    shape = list(slot.shape)
    shape[dim] = size
    slots = list(template.slots)
    slots[first] = replace(slot, shape=tuple(shape))
    return replace(template, slots=tuple(slots))


def int_minmax_chain(synth: Synth, menu: Menu) -> bool:
    rng = synth.rng
    dtype = int_dtype(rng)
    shape = small_shape(rng, rank=rng.choice((1, 2)), tail=True)
    mark = synth.mark()
    value = pooled(synth, synth.new_input(shape, dtype, safe_profile(rng, dtype), False))
    assert value is not None
    for stage, specs in enumerate((menu.abs_neg, menu.min_max)):
        done = 0
        for _ in range(rng.randint(1, 2)):
            step = chain_step(synth, specs, value)
            if step is not None:
                value, done = step, done + 1
        if not done:
            if stage == 0:  # nothing placed yet: forget the input
                synth.rollback(*mark)
            return False
    return True


def chain_step(synth: Synth, specs: Sequence[OpSpec], value: Pooled) -> Pooled | None:
    """One call of ``specs`` on ``value`` as is (its other tensors of the same shape)."""
    for spec, index, template in fitting(synth, specs, value.dtype):
        first = receiver(template)
        if first < 0:
            continue
        shaped = reshaped(template, value.shape) or template
        binding = fixed_at(synth, spec, shaped, first, value, value.dtype)
        forms = [f for f in choices.forms(spec, shaped) if f != "inplace" or not value.is_input]
        if binding is None or not forms:
            continue
        node = synth.call(spec, index, shaped, value.dtype, synth.rng.choice(forms),
                          fixed={first: binding})  # fmt: skip
        if node is not None:
            return pooled(synth, node.outputs[0].expr)
    return None
