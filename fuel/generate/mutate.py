"""Mutation: change one thing in a recipe, then replay it so that it stays valid.

Each mutation is a small named function from a recipe to an edited recipe (or None
where it does not apply); they are listed, with their weights, in ``MUTATIONS``. The
edited recipe is replayed by the synthesizer: every call is checked again, arguments
whose source changed get new adapters. A mutation that does not replay is dropped and
another is drawn, up to ``MAX_TRIES``.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from fuel.catalog.spec import DTYPES, OpSpec, Role
from fuel.generate import choices
from fuel.generate.calls import receiver, target_of
from fuel.generate.dynamic import keeps_dynamic
from fuel.generate.profiles import layouts_for, profiles_for
from fuel.generate.recipe import Binding, Input, Node, Recipe, dumps
from fuel.generate.synth import Synth

MAX_TRIES = 12  # edits drawn before giving up on a program


@dataclass(frozen=True, slots=True)
class Context:
    rng: random.Random
    usable: Sequence[OpSpec]
    by_name: dict[str, OpSpec]


@dataclass(frozen=True, slots=True)
class Edit:
    """An edited recipe, and what the replay must add (for insertions)."""

    recipe: Recipe
    insert_at: int = -1  # insert ``insert`` before this node
    insert: OpSpec | None = None


Mutation = Callable[[Recipe, Context], Edit | None]


def data_inputs(recipe: Recipe) -> list[Input]:
    return [i for i in recipe.inputs if i.profile not in ("literal", "scalar")]


def arguments(recipe: Recipe) -> list[Input]:
    """Data inputs that are arguments of forward (not buffers)."""
    return [i for i in data_inputs(recipe) if i.place == "argument"]


def with_input(recipe: Recipe, old: Input, new: Input) -> Recipe:
    return replace(recipe, inputs=tuple(new if i is old else i for i in recipe.inputs))


def change_shape(recipe: Recipe, ctx: Context) -> Edit | None:
    """Grow, shrink, empty or insert a dim of one input; adapters absorb the change."""
    found = [i for i in data_inputs(recipe) if not i.dynamic]
    if not found:
        return None
    item = ctx.rng.choice(found)
    shape = list(item.shape)
    how = ctx.rng.choice(("grow", "shrink", "unsqueeze", "empty"))
    if how == "unsqueeze" or not shape:
        shape.insert(ctx.rng.randrange(len(shape) + 1), 1)
    else:
        d = ctx.rng.randrange(len(shape))
        shape[d] = {
            "grow": shape[d] + ctx.rng.randint(1, 3),
            "shrink": max(1, shape[d] // 2),
            "empty": 0,
        }[how]
    if tuple(shape) == item.shape:
        return None
    layout = item.layout if item.layout in layouts_for(tuple(shape)) else "contiguous"
    return Edit(with_input(recipe, item, replace(item, shape=tuple(shape), layout=layout)))


def change_dtype(recipe: Recipe, ctx: Context) -> Edit | None:
    """Another dtype for one input (its consumers get casts)."""
    found = data_inputs(recipe)
    if not found:
        return None
    item = ctx.rng.choice(found)
    dtype = choices.weighted(ctx.rng, [d for d in DTYPES if d != item.dtype], choices.DTYPE_WEIGHTS)
    profile = item.profile if item.profile in profiles_for(dtype) else "normal"
    return Edit(with_input(recipe, item, replace(item, dtype=dtype, profile=profile)))


def change_profile(recipe: Recipe, ctx: Context) -> Edit | None:
    """Other values for one input: near the limits, subnormal, ties, NaN..."""
    found = [i for i in data_inputs(recipe) if len(profiles_for(i.dtype)) > 1]
    if not found:
        return None
    item = ctx.rng.choice(found)
    profile = ctx.rng.choice([p for p in profiles_for(item.dtype) if p != item.profile])
    return Edit(with_input(recipe, item, replace(item, profile=profile)))


def change_layout(recipe: Recipe, ctx: Context) -> Edit | None:
    """The same values, transposed, strided, channels-last or at a storage offset."""
    found = [i for i in data_inputs(recipe) if len(layouts_for(i.shape)) > 1]
    if not found:
        return None
    item = ctx.rng.choice(found)
    layout = ctx.rng.choice([x for x in layouts_for(item.shape) if x != item.layout])
    return Edit(with_input(recipe, item, replace(item, layout=layout)))


def change_op_dtype(recipe: Recipe, ctx: Context) -> Edit | None:
    """Run one call in another of the dtypes its template supports."""
    found = [n for n in recipe.nodes if len(n.call.dtypes) > 1]
    if not found:
        return None
    node = ctx.rng.choice(found)
    dtype = ctx.rng.choice([d for d in node.call.dtypes if d != node.dtype])
    return Edit(
        replace(
            recipe, nodes=tuple(replace(n, dtype=dtype) if n is node else n for n in recipe.nodes)
        )
    )


def swap_op(recipe: Recipe, ctx: Context) -> Edit | None:
    """Another operator of the same category in place of one call, on the same values."""
    if not recipe.nodes:
        return None
    node = ctx.rng.choice(recipe.nodes)
    old = ctx.by_name.get(node.op)
    category = old.category if old else None
    peers = [s for s in ctx.usable if s.category == category and s.name != node.op]
    if not peers:
        return None
    spec = ctx.rng.choice(peers)
    index = ctx.rng.randrange(len(spec.templates))
    template = spec.templates[index]
    forms = choices.forms(spec, template)
    if not forms:
        return None
    form = node.form if node.form in forms else forms[0]
    sources = [
        b.source
        for b, s in zip(node.bindings, node.call.slots, strict=True)
        if s.role is not Role.LITERAL
    ]
    bindings = []
    for k, slot in enumerate(template.slots):
        source = sources[k] if k < len(sources) and slot.role is Role.DATA else "?"
        guards = (*spec.guards_for(slot), *(("finite",) if template.finite_only else ()))
        bindings.append(Binding(source, guards=guards, from_dtype="?"))
    dtype = node.dtype if node.dtype in template.dtypes else template.dtypes[0]
    if form == "inplace" and receiver(template) < 0:
        return None
    swapped = replace(
        node,
        op=spec.name,
        index=index,
        call=template,
        dtype=dtype,
        form=form,
        target=target_of(spec, form),
        bindings=tuple(bindings),
        outputs=(),
        view=spec.view,
        dest=None,
        data_dependent="dynamic_output_shape" in spec.tags,
    )
    return Edit(replace(recipe, nodes=tuple(swapped if n is node else n for n in recipe.nodes)))


def insert_op(recipe: Recipe, ctx: Context) -> Edit | None:
    """A new call somewhere in the graph, whose result a later call then reads."""
    spec = choices.operator(ctx.rng, ctx.usable, ())
    return Edit(recipe, insert_at=ctx.rng.randrange(len(recipe.nodes) + 1), insert=spec)


def mark_dynamic(recipe: Recipe, ctx: Context) -> Edit | None:
    """Mark one dim of an input dynamic (kept only if no call specializes it)."""
    found = [
        (i, d)
        for i in arguments(recipe)
        for d, size in enumerate(i.shape)
        if size >= 2 and d not in i.dynamic
    ]
    if not found:
        return None
    item, dim = ctx.rng.choice(found)
    return Edit(with_input(recipe, item, replace(item, dynamic=(*item.dynamic, dim))))


MUTATIONS: tuple[tuple[Mutation, float], ...] = (
    (swap_op, 3.0),
    (change_shape, 2.0),
    (change_dtype, 2.0),
    (change_profile, 2.0),
    (change_layout, 1.0),
    (change_op_dtype, 1.5),
    (insert_op, 2.0),
    (mark_dynamic, 1.0),
)


def replay(edit: Edit, rng: random.Random) -> Recipe | None:
    """The edited recipe with every call checked again, or None if one no longer works."""
    recipe = edit.recipe
    synth = Synth(recipe.seed, rng)
    if not synth.preload(recipe.inputs, recipe.nodes):
        return None
    nodes = list(recipe.nodes)
    for position, node in enumerate(nodes):
        if position == edit.insert_at and edit.insert is not None:
            if not synth.add_op(edit.insert):
                return None
            nodes[position:] = rewire(nodes[position:], synth.nodes[-1])
            node = nodes[position]
        if not synth.replay(node):
            return None
    if edit.insert_at == len(nodes) and edit.insert is not None and not synth.add_op(edit.insert):
        return None
    return synth.recipe()


def rewire(later: list[Node], inserted: Node) -> list[Node]:
    """Let the first later call that read one of the inserted call's sources read the
    inserted call's result instead (its adapters are planned again)."""
    if not inserted.outputs:
        return later
    read = {b.source for b in inserted.bindings}
    value = inserted.outputs[0].expr
    for i, node in enumerate(later):
        for k, binding in enumerate(node.bindings):
            if binding.source in read and node.call.slots[k].role is Role.DATA:
                moved = replace(binding, source=value, from_dtype="?")
                bindings = (*node.bindings[:k], moved, *node.bindings[k + 1 :])
                return [*later[:i], replace(node, bindings=bindings), *later[i + 1 :]]
    return later


def mutate_recipe(recipe: Recipe, seed: int, usable: Sequence[OpSpec]) -> tuple[Recipe, str] | None:
    """One valid mutant of ``recipe`` and the name of the mutation, or None.

    The random source depends on the recipe as well as the seed, so one seed gives
    different mutations of different programs."""
    digest = hashlib.sha256(dumps(recipe).encode()).hexdigest()[:16]
    ctx = Context(random.Random(f"{digest}:{seed}"), usable, {s.name: s for s in usable})
    functions = [m for m, _ in MUTATIONS]
    weights = [w for _, w in MUTATIONS]
    for _ in range(MAX_TRIES):
        mutation = ctx.rng.choices(functions, weights)[0]
        edit = mutation(recipe, ctx)
        if edit is None:
            continue
        mutant = replay(edit, ctx.rng)
        if mutant is None or mutant == recipe:
            continue
        if mutation is mark_dynamic and not keeps_dynamic(mutant):
            continue
        return replace(mutant, seed=recipe.seed), mutation.__name__
    return None
