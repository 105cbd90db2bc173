"""The census: which of the program shapes where compiler bugs live a recipe has.

Each shape is a small predicate over a recipe (and the catalog's facts about its
operators), named as the motif that makes it (``fuel.generate.motifs``). The census is
what a test records (``Recipe.motifs``) and what ``fuel status --json`` counts as
``motifs_used``; it reports a shape whether a named motif placed it or the ordinary
walk made it by chance, so it also measures how often the generator makes each shape.

Where a predicate needs the shape or dtype a call's argument really has, it reads them
from the binding (``arg_shape``, ``arg_dtype``); where it needs what an operator is
(a reduction, a data-dependent output), it reads the catalog's torch tags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fuel.catalog.spec import INT_DTYPES, OpSpec, Role, Template
from fuel.generate.calls import receiver, scalar_names, target_dtype
from fuel.generate.recipe import Binding, Node, Recipe

# Adapter steps that leave the value a view of its source (for a contiguous source):
# a write through them reaches the source.
VIEW_STEPS = frozenset({"slice", "permute", "reshape", "flat"})
VECTOR_BLOCK = 16  # "sizes that leave a vector tail": >= 16 elements, not a multiple of 16
ABS_NEG = frozenset({"abs", "absolute", "neg", "negative"})
# Operators named by their base name (the catalog's name before a "."): min.binary,
# max.reduction_with_dim, clamp_min... all start with one of EXTREMES.
EXTREMES = ("min", "max", "amin", "amax", "argmin", "argmax", "clamp", "clip", "fmin", "fmax")


@dataclass(frozen=True, slots=True)
class Facts:
    """What the census knows of a recipe beyond the recipe: the catalog's operators."""

    ops: Mapping[str, OpSpec]

    def tags(self, node: Node) -> frozenset[str]:
        spec = self.ops.get(node.op)
        return frozenset(spec.tags) if spec is not None else frozenset()

    def is_reduction(self, node: Node) -> bool:
        spec = self.ops.get(node.op)
        return "reduction" in self.tags(node) or (spec is not None and spec.category == "reduction")


Shape = Callable[[Recipe, Facts], bool]


def arg_shape(node: Node, k: int) -> tuple[int, ...]:
    binding = node.bindings[k]
    return binding.from_shape if binding.direct else node.call.slots[k].shape


def arg_dtype(node: Node, k: int) -> str:
    binding = node.bindings[k]
    return binding.from_dtype if binding.mixed else target_dtype(node.call.slots[k], node.dtype)


def data_args(node: Node) -> list[int]:
    return [k for k, s in enumerate(node.call.slots) if s.role is not Role.LITERAL]


def aliases(binding: Binding) -> bool:
    """Does the argument share memory with its source (no copying step)?"""
    return all(step.kind in VIEW_STEPS for step in binding.steps)


def written(recipe: Recipe) -> list[Binding]:
    """The bindings a call writes to: in-place receivers and ``out=`` destinations."""
    found = []
    for node in recipe.nodes:
        first = receiver(node.call)
        if node.form == "inplace" and first >= 0:
            found.append(node.bindings[first])
        if node.dest is not None:
            found.append(node.dest)
    return found


def views(recipe: Recipe) -> dict[str, str]:
    """Values that are views, each with the value it views (through view calls, view
    steps and in-place calls, which return their receiver)."""
    found: dict[str, str] = {}
    for node in recipe.nodes:
        first = receiver(node.call)
        if first < 0 or not (node.view or node.form == "inplace"):
            continue
        binding = node.bindings[first]
        if aliases(binding):
            for value in node.outputs:
                found[value.expr] = binding.source
    return found


def inplace_on_view(recipe: Recipe, facts: Facts) -> bool:
    """An in-place or ``out=`` write through a view or slice of another value."""
    viewed = views(recipe)
    return any(
        aliases(b) and (any(s.kind in VIEW_STEPS for s in b.steps) or b.source in viewed)
        for b in written(recipe)
    )


def view_beside_base(recipe: Recipe, facts: Facts) -> bool:
    """forward returns a view and the value it views (directly or through views)."""
    viewed = views(recipe)
    returned = set(recipe.outputs)
    for out in recipe.outputs:
        base = viewed.get(out)
        while base is not None:
            if base in returned:
                return True
            base = viewed.get(base)
    return False


def mutated(recipe: Recipe, place: str) -> bool:
    targets = {i.name if place == "argument" else f"self.{i.name}"
               for i in recipe.inputs if i.is_tensor and i.place == place}  # fmt: skip
    viewed = views(recipe)
    for binding in written(recipe):
        source = binding.source
        while source in viewed:
            source = viewed[source]
        if aliases(binding) and source in targets:
            return True
    return False


def mutated_input(recipe: Recipe, facts: Facts) -> bool:
    """A call writes into a tensor argument of forward (or a view of one)."""
    return mutated(recipe, "argument")


def mutated_buffer(recipe: Recipe, facts: Facts) -> bool:
    """A call writes into a buffer of the model."""
    return mutated(recipe, "buffer")


def out_variant(recipe: Recipe, facts: Facts) -> bool:
    """A call writes its result through ``out=``."""
    return any(node.dest is not None for node in recipe.nodes)


def layout(name: str, *layouts: str) -> Shape:
    def has(recipe: Recipe, facts: Facts) -> bool:
        return any(i.layout in layouts for i in recipe.inputs if i.is_tensor)

    has.__name__ = name
    has.__doc__ = f"An input made {' or '.join(layouts)}."
    return has


def type_promotion(recipe: Recipe, facts: Facts) -> bool:
    """A call whose tensor arguments have different dtypes (it promotes, no cast)."""
    for node in recipe.nodes:
        dtypes = {arg_dtype(node, k) for k in data_args(node) if not scalar(recipe, node, k)}
        if len(dtypes) > 1:
            return True
    return False


def scalar(recipe: Recipe, node: Node, k: int) -> bool:
    item = recipe.input(node.bindings[k].source)
    return item is not None and not item.is_tensor


def zero_dim_operand(recipe: Recipe, facts: Facts) -> bool:
    """A 0-d tensor meets a tensor of higher rank in one call (it broadcasts, and it
    takes part in type promotion as a scalar would)."""
    for node in recipe.nodes:
        ranks = {len(arg_shape(node, k)) for k in data_args(node) if not scalar(recipe, node, k)}
        if 0 in ranks and len(ranks) > 1:
            return True
    return False


def python_scalar_operand(recipe: Recipe, facts: Facts) -> bool:
    """A Python number, an argument of forward, is an operand of a call."""
    used = {b.source for n in recipe.nodes for b in n.bindings}
    lifted = {name for n in recipe.nodes for name in scalar_names(n.call)}
    return any(not i.is_tensor and (i.name in used or i.name in lifted) for i in recipe.inputs)


def leaves_tail(run: int) -> bool:
    """At least one vector block of 16 elements, and a tail after it."""
    return run >= VECTOR_BLOCK and run % VECTOR_BLOCK != 0


def reduced_dim(template: Template) -> int | None:
    """The dimension a reduction's call names: its ``dim`` keyword, else its first
    argument when that is one dimension (``x.max(1)``, ``torch.sum(x, (1,))``); None
    when it names none (a reduction over every element)."""
    named = dict(template.kwargs).get("dim")
    value = named if named is not None else (template.args[0] if template.args else None)
    if isinstance(value, dict):  # a tuple or list of one dimension
        items: Any = value.get("tuple", value.get("list", ()))
        value = items[0] if len(items) == 1 else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def reduced_run(shape: tuple[int, ...], dim: int | None) -> int:
    """How many elements one result of the reduction reads."""
    if dim is not None and -len(shape) <= dim < len(shape):
        return shape[dim]
    return numel(shape)


def tail_reduction(recipe: Recipe, facts: Facts) -> bool:
    """A reduction whose run (the dimension it names, or every element) is >= 16 and
    not a multiple of 16."""
    return any(
        facts.is_reduction(node)
        and any(leaves_tail(reduced_run(arg_shape(node, k), reduced_dim(node.call)))
                for k in data_args(node))
        for node in recipe.nodes
    )  # fmt: skip


def computed_index(recipe: Recipe, facts: Facts) -> bool:
    """An index argument (a slot the catalog keeps literal) computed by the program."""
    return any(
        slot.role is Role.LITERAL and (binding.steps or recipe.input(binding.source) is None)
        for node in recipe.nodes
        for slot, binding in zip(node.call.slots, node.bindings, strict=True)
    )


def data_dependent_shape(recipe: Recipe, facts: Facts) -> bool:
    """A call whose output shape depends on the values (nonzero, masked_select, unique)."""
    return any("dynamic_output_shape" in facts.tags(node) for node in recipe.nodes)


def ancestors(recipe: Recipe) -> dict[str, frozenset[str]]:
    """Each value's producing calls (their names), itself included."""
    found: dict[str, frozenset[str]] = {}
    for node in recipe.nodes:
        before: frozenset[str] = frozenset({node.name})
        for binding in (*node.bindings, *((node.dest,) if node.dest else ())):
            before |= found.get(binding.source, frozenset())
        for value in node.outputs:
            found[value.expr] = before
    return found


def shared_intermediate(recipe: Recipe, facts: Facts) -> bool:
    """Two outputs of forward computed from one intermediate result."""
    lineage = ancestors(recipe)
    sets = [lineage.get(out, frozenset()) for out in recipe.outputs]
    return any(a & b for i, a in enumerate(sets) for b in sets[i + 1 :])


def int16(recipe: Recipe, facts: Facts) -> bool:
    """An int16 tensor anywhere: an input, a call's dtype or a result."""
    return any(i.dtype == "int16" for i in recipe.inputs) or any(
        n.dtype == "int16" or any(v.dtype == "int16" for v in n.outputs) for n in recipe.nodes
    )


def base_name(op: str) -> str:
    return op.split(".")[0]


def int_abs_minmax(recipe: Recipe, facts: Facts) -> bool:
    """An integer ``abs``/``neg`` result read by a min/max/clamp (arg-min/max, binary
    and reduction forms included)."""
    made = {v.expr for n in recipe.nodes if base_name(n.op) in ABS_NEG and n.dtype in INT_DTYPES
            for v in n.outputs}  # fmt: skip
    return any(
        base_name(node.op).startswith(EXTREMES) and node.dtype in INT_DTYPES
        and any(b.source in made for b in node.bindings)
        for node in recipe.nodes
    )  # fmt: skip


def int_reduction_16(recipe: Recipe, facts: Facts) -> bool:
    """A reduction over >= 16 integer elements."""
    for node in recipe.nodes:
        if not facts.is_reduction(node):
            continue
        for k in data_args(node):
            shape = arg_shape(node, k)
            if arg_dtype(node, k) in INT_DTYPES and numel(shape) >= VECTOR_BLOCK:
                return True
    return False


def numel(shape: Iterable[int]) -> int:
    count = 1
    for size in shape:
        count *= size
    return count


SHAPES: tuple[tuple[str, Shape], ...] = (
    ("inplace_on_view", inplace_on_view),
    ("view_beside_base", view_beside_base),
    ("mutated_input", mutated_input),
    ("mutated_buffer", mutated_buffer),
    ("out_variant", out_variant),
    ("noncontiguous_input", layout("noncontiguous_input", "transposed", "strided")),
    ("channels_last_input", layout("channels_last_input", "channels_last")),
    ("expanded_input", layout("expanded_input", "expanded")),
    ("offset_input", layout("offset_input", "offset")),
    ("type_promotion", type_promotion),
    ("zero_dim_operand", zero_dim_operand),
    ("python_scalar_operand", python_scalar_operand),
    ("tail_reduction", tail_reduction),
    ("computed_index", computed_index),
    ("data_dependent_shape", data_dependent_shape),
    ("shared_intermediate", shared_intermediate),
    ("int16", int16),
    ("int_abs_minmax", int_abs_minmax),
    ("int_reduction_16", int_reduction_16),
)
NAMES = tuple(name for name, _ in SHAPES)


def census(recipe: Recipe, facts: Facts) -> tuple[str, ...]:
    """The shapes ``recipe`` has, in :data:`SHAPES` order."""
    return tuple(name for name, has in SHAPES if has(recipe, facts))


def count(recipes: Iterable[Recipe], facts: Facts) -> dict[str, int]:
    """How many of ``recipes`` have each shape (every shape listed, zeros included)."""
    totals = dict.fromkeys(NAMES, 0)
    for recipe in recipes:
        for name in census(recipe, facts):
            totals[name] += 1
    return totals
