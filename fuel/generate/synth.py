"""The synthesizer: a seeded walk that grows a dataflow graph of catalog calls.

Each step picks an operator (the requested ones first, then a mix of uniform breadth
and bug-prone families), one of its templates, an op dtype (weighted toward integers
and low precision), a calling form (function, method, in-place, layer), and fills
every tensor slot: from an earlier value through adapters, or directly when the
operator takes that shape as is, or from a new input with a value profile and layout.
The rendered candidate is checked (``fuel.generate.fake``); only accepted calls enter
the graph. All randomness comes from one ``random.Random``.

The same machinery replays a mutated recipe: unchanged bindings are kept, bindings
whose source changed get new adapters, vanished sources get new ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from fuel.catalog.spec import FLOAT_DTYPES, OpSpec, Role, Slot, Template
from fuel.generate import adapters, choices
from fuel.generate.calls import (
    aliased_receiver,
    has_literals,
    receiver,
    scalar_names,
    shape_steps,
    target_dtype,
    target_of,
)
from fuel.generate.fake import Snapshot, Workbench
from fuel.generate.recipe import Binding, Input, Node, Recipe, Value
from fuel.generate.render import arguments, constructor, module_attr, node_lines

ATTEMPTS = 4  # tries per operator before moving on
REQUIRED_ATTEMPTS = 10  # a requested operator gets more, then a plain last try
MAX_OUTPUTS = 8
FROM_POOL = 0.8  # a data slot reads an earlier value (else a new input)
DIRECT = 0.4  # ...and passes it without a shape adapter, if the operator accepts that
MIXED = 0.25  # ...or without a cast, so that the call promotes mixed dtypes


@dataclass(slots=True)
class Pooled:
    """A value later calls may consume."""

    expr: str
    shape: tuple[int, ...]
    dtype: str
    is_input: bool
    aliases_input: bool  # may share memory with a floating-point input
    uses: int = 0


class Synth:
    """Builds (or replays) one recipe. Not reusable: make one per program."""

    def __init__(self, seed: int, rng: random.Random, theme: str | None = None) -> None:
        self.seed = seed
        self.rng = rng
        self.theme = theme
        self.bench = Workbench(seed)
        self.inputs: list[Input] = []
        self.nodes: list[Node] = []
        self.pool: list[Pooled] = []
        self.counter = 0  # the next node is v<counter>
        self.shapes = choices.shape_class(seed)
        self.kept: list[str] = []  # values forward must return (a motif's base and view)
        # The inputs made on the workbench, by name, with where its random streams stood.
        self.benched: dict[str, tuple[Input, Snapshot]] = {}
        self.configs: dict[str, Any] = {}  # compiler configs the program sets

    def next_name(self) -> str:
        return f"v{self.counter}"

    # -- new calls ------------------------------------------------------------------

    def add_op(self, spec: OpSpec, required: bool = False) -> bool:
        for _ in range(REQUIRED_ATTEMPTS if required else ATTEMPTS):
            if self.try_call(spec, plain=False):
                return True
        return required and self.try_call(spec, plain=True)

    def try_call(self, spec: OpSpec, plain: bool) -> bool:
        """One candidate call of ``spec``; ``plain`` takes the template as probed."""
        index = 0 if plain else self.rng.randrange(len(spec.templates))
        template = spec.templates[index]
        forms = choices.forms(spec, template)
        if not forms:
            return False
        flowing = [p.dtype for p in self.pool[-4:] if p.uses == 0]
        dtype = (
            template.dtypes[0]
            if plain
            else choices.dtype(self.rng, template.dtypes, self.theme, flowing)
        )
        form = forms[0] if plain else choices.weighted(self.rng, forms, choices.FORM_WEIGHTS)
        if self.shapes == "vector" and not plain:
            template = widened(template, choices.vector_size(self.rng, dtype)) or template
        return self.call(spec, index, template, dtype, form, plain=plain) is not None

    def call(
        self,
        spec: OpSpec,
        index: int,
        template: Template,
        dtype: str,
        form: str,
        *,
        plain: bool = False,
        fixed: Mapping[int, Binding] | None = None,
        dest: Binding | None = None,
        mark: tuple[int, int] | None = None,
    ) -> Node | None:
        """Place one call: slots in ``fixed`` take those bindings, the others are filled
        as usual; the committed call, or None (and the inputs made since ``mark``, by
        default now, are forgotten)."""
        mark = mark or self.mark()
        bindings: list[Binding | None] = []
        for k, slot in enumerate(template.slots):
            if fixed and k in fixed:
                bindings.append(fixed[k])
                continue
            guards = (*spec.guards_for(slot), *(("finite",) if template.finite_only else ()))
            writable = form == "inplace" and k == receiver(template)
            direct_ok = not plain and not has_literals(template)
            mix_ok = not plain and slot.follows and k != receiver(template)
            bindings.append(
                self.bind(
                    slot, target_dtype(slot, dtype), guards, writable, direct_ok, plain, mix_ok
                )
            )
        call = template if plain else self.lift_scalars(template)
        if any(b is None for b in bindings):
            self.rollback(*mark)
            return None
        node = Node(
            self.next_name(),
            spec.name,
            index,
            call,
            dtype,
            form,
            target_of(spec, form),
            tuple(b for b in bindings if b is not None),
            view=spec.view,
            dest=dest,
            data_dependent="dynamic_output_shape" in spec.tags,
        )
        return self.place(node, *mark)

    def mark(self) -> tuple[int, int]:
        """Where a rollback returns to: the inputs and pooled values made so far."""
        return len(self.inputs), len(self.pool)

    def place(self, node: Node, mark: int, pooled: int) -> Node | None:
        """Check a candidate; commit it, or forget the inputs it made (and the random
        numbers the workbench drew for it)."""
        before, benched = self.bench.snapshot(), dict(self.benched)
        outputs = None if aliased_receiver(node) else self.check(node)
        if outputs is None:
            self.bench.restore(before)
            self.benched = benched
            self.rollback(mark, pooled)
            return None
        placed = replace(node, outputs=outputs)
        self.commit(placed)
        return placed

    def undo(self, node: Node) -> None:
        """Take back the latest call, whose results nothing read yet (a motif places it
        again in another form)."""
        assert self.nodes and self.nodes[-1] is node
        self.nodes.pop()
        made = {v.expr for v in node.outputs}
        self.pool = [p for p in self.pool if p.expr not in made]
        read = {b.source for b in node.bindings}
        for pooled in self.pool:
            pooled.uses -= pooled.expr in read

    def rollback(self, inputs: int, pooled: int) -> None:
        gone = [i for i in self.inputs[inputs:] if self.benched.get(i.name, (None,))[0] == i]
        if gone:  # the workbench draws them again, as the program will, when remade
            self.bench.restore(self.benched[gone[0].name][1])
            for item in gone:
                del self.benched[item.name]
        del self.inputs[inputs:]
        del self.pool[pooled:]

    def check(self, node: Node) -> tuple[Value, ...] | None:
        """Adapters for real, the call on meta tensors, then the call for real: the
        call's outputs, or None if torch refused any step."""
        bench = self.bench
        for item in self.inputs:
            if self.benched.get(item.name, (None,))[0] != item:  # new since the last check
                before = bench.snapshot()
                if not bench.add_input(item):
                    return None
                self.benched[item.name] = (item, before)
        if node.form == "module" and not bench.add_module(module_attr(node), constructor(node)):
            return None
        if node.dest is not None and not self.fits_dest(node):
            return None
        *adapted, call = node_lines(node, checking=True)
        if adapted and not bench.run_real(adapted):
            return None
        if any(bench.overlaps(name) for name in written_arguments(node)):
            return None
        # Meta first: some eager kernels trust their caller and crash on bad shapes.
        names = arguments(node)
        if not bench.run_meta(call, node.name, names, scalar_names(node.call), node.data_dependent):
            return None
        if not bench.run_real([call]):
            return None
        return bench.values(node.name, node.call.outputs)

    def fits_dest(self, node: Node) -> bool:
        """Does an ``out=`` call's destination have the result's shape and dtype? torch
        would resize it otherwise (with a warning), which is not what the call means."""
        assert node.dest is not None
        function = replace(node, form="function", dest=None)
        result = self.check(function)
        if result is None or len(result) != 1:
            return False
        return self.bench.shape_of(node.dest) == (result[0].shape, result[0].dtype)

    def commit(self, node: Node) -> None:
        self.nodes.append(node)
        self.counter = max(self.counter, int(node.name.removeprefix("v")) + 1)
        sources = {b.source for b in (*node.bindings, *((node.dest,) if node.dest else ()))}
        aliases = False
        for pooled in self.pool:
            if pooled.expr in sources:
                pooled.uses += 1
                aliases = aliases or pooled.aliases_input
        carries = node.view or node.form in ("inplace", "out")
        for value in node.outputs:
            self.pool.append(
                Pooled(value.expr, value.shape, value.dtype, False, carries and aliases)
            )

    # -- filling slots --------------------------------------------------------------

    def bind(
        self,
        slot: Slot,
        dtype: str,
        guards: tuple[str, ...],
        writable: bool,
        direct_ok: bool,
        plain: bool,
        mix_ok: bool = False,
    ) -> Binding | None:
        if slot.role is Role.LITERAL:
            return Binding(self.literal_input(slot))
        if slot.role is Role.DATA and not plain and self.pool and self.rng.random() < FROM_POOL:
            source = self.pick_source(slot, writable)
            if source is not None:
                direct = direct_ok and self.rng.random() < DIRECT
                mixed = mix_ok and self.rng.random() < MIXED
                bound = self.adapt(source, slot, dtype, guards, writable, direct, mixed)
                if bound is not None:
                    return bound
        if writable and dtype in FLOAT_DTYPES:
            return None  # an in-place write to a floating input breaks under autograd
        profile = "normal" if plain or slot.role is Role.FRESH else None
        name = self.new_input(slot.shape, dtype, profile, plain, writable)
        steps = adapters.plan_guards(guards, dtype, slot.shape)
        return Binding(name, steps, guards=guards, from_shape=slot.shape, from_dtype=dtype)

    def adapt(
        self,
        source: Pooled,
        slot: Slot,
        dtype: str,
        guards: tuple[str, ...],
        writable: bool,
        direct: bool,
        mixed: bool = False,
    ) -> Binding | None:
        """Steps from ``source`` to the slot: shape (unless direct), dtype (unless mixed),
        guards."""
        shape = () if direct else adapters.plan_shape(source.shape, slot.shape, writable, self.rng)
        if shape is None:
            return None
        mixed = mixed and source.dtype != dtype
        final = source.dtype if mixed else dtype
        steps = (
            *shape,
            *adapters.plan_dtype(source.dtype, final),
            *adapters.plan_guards(guards, final, slot.shape),
        )
        return Binding(
            source.expr,
            steps,
            direct and source.shape != slot.shape,
            mixed,
            guards,
            source.shape,
            source.dtype,
        )

    def pick_source(self, slot: Slot, writable: bool) -> Pooled | None:
        """An earlier value, favouring unconsumed results, recent ones and exact shapes."""
        candidates = [p for p in self.pool if not (writable and p.aliases_input)]
        if not candidates:
            return None
        weights = []
        for i, p in enumerate(candidates):
            weight = 1.0 + i / len(candidates)
            weight *= 4.0 if (p.uses == 0 and not p.is_input) else 1.0
            weight *= 2.0 if p.shape == slot.shape else 1.0
            weights.append(weight)
        return self.rng.choices(candidates, weights)[0]

    def new_input(
        self,
        shape: tuple[int, ...],
        dtype: str,
        profile: str | None,
        plain: bool,
        writable: bool = False,
        layout: str | None = None,
    ) -> str:
        name = self.tensor_name()
        chosen = profile or choices.profile(self.rng, dtype)
        if layout is None:
            layout = "contiguous" if plain else choices.layout(self.rng, shape, writable)
        self.inputs.append(Input(name, shape, dtype, chosen, layout))
        self.pool.append(Pooled(name, shape, dtype, True, dtype in FLOAT_DTYPES))
        return name

    def tensor_name(self) -> str:
        """The next tensor argument of forward: x0, x1..."""
        return f"x{sum(1 for i in self.inputs if i.is_tensor and i.place == 'argument')}"

    def new_buffer(self, shape: tuple[int, ...], dtype: str, profile: str) -> str:
        """A buffer of the model (``self.b0``): written by calls without autograd's
        objection to in-place writes into leaves that require grad."""
        name = f"b{sum(1 for i in self.inputs if i.place == 'buffer')}"
        item = Input(name, shape, dtype, profile, place="buffer")
        self.inputs.append(item)
        self.pool.append(Pooled(item.expr, shape, dtype, True, False))
        return item.expr

    def new_scalar(self, kind: str, value: float) -> str:
        """A Python number, an argument of ``forward``: ``kind`` is "int" or "float"."""
        name = f"s{sum(1 for i in self.inputs if not i.is_tensor)}"
        self.inputs.append(Input(name, (), kind, "scalar", values=(value,)))
        return name

    def literal_input(self, slot: Slot) -> str:
        for item in self.inputs:
            if (
                item.profile == "literal"
                and item.values == slot.values
                and item.shape == slot.shape
                and item.dtype == slot.dtype
            ):
                return item.name
        name = self.tensor_name()
        self.inputs.append(Input(name, slot.shape, slot.dtype, "literal", values=slot.values))
        return name

    # -- Python scalars ---------------------------------------------------------------

    def lift_scalars(self, template: Template) -> Template:
        """Turn some float arguments into ``forward`` inputs (Python scalars)."""
        args = tuple(self.lift(a) for a in template.args)
        kwargs = tuple((k, self.lift(v)) for k, v in template.kwargs)
        return replace(template, args=args, kwargs=kwargs)

    def lift(self, tree: Any) -> Any:
        if isinstance(tree, float) and self.rng.random() < choices.LIFT_SCALAR:
            return {"scalar": self.new_scalar("float", tree)}
        return tree

    # -- replaying a recipe -----------------------------------------------------------

    def preload(self, inputs: Sequence[Input], nodes: Sequence[Node]) -> bool:
        """Start a replay from these inputs (all checked for real); new calls get names
        after those of ``nodes``."""
        self.counter = 1 + max((int(n.name.removeprefix("v")) for n in nodes), default=-1)
        for item in inputs:
            self.inputs.append(item)
            before = self.bench.snapshot()
            if not self.bench.add_input(item):
                return False
            self.benched[item.name] = (item, before)
            if item.is_tensor:
                floating = item.dtype in FLOAT_DTYPES and item.place == "argument"
                self.pool.append(Pooled(item.expr, item.shape, item.dtype, True, floating))
        return True

    def replay(self, node: Node) -> bool:
        """Place an existing call again, re-adapting arguments whose source changed."""
        mark, pooled = len(self.inputs), len(self.pool)
        bindings = []
        for k, (slot, old) in enumerate(zip(node.call.slots, node.bindings, strict=True)):
            bindings.append(self.rebind(node, k, slot, old))
        dest = node.dest
        if dest is not None and dest.source and not self.still(*dest_of(dest)):
            dest = None  # the value it wrote into is gone: the call returns its result
        if any(b is None for b in bindings):
            self.rollback(mark, pooled)
            return False
        form = node.form if dest is not None or node.form != "out" else "function"
        fresh = replace(
            node, bindings=tuple(b for b in bindings if b is not None), form=form, dest=dest
        )
        return self.place(fresh, mark, pooled) is not None

    def still(self, source: str, shape: tuple[int, ...], dtype: str) -> bool:
        """Is ``source`` still in the pool, with the shape and dtype it had?"""
        return any((p.expr, p.shape, p.dtype) == (source, shape, dtype) for p in self.pool)

    def rebind(self, node: Node, k: int, slot: Slot, old: Binding) -> Binding | None:
        if slot.role is Role.LITERAL:
            name = self.literal_input(slot)
            keys = adapters.reorder_keys(old.steps)
            if keys and all(self.still(*key) for key in keys):
                return replace(old, source=name)  # an index the program computes
            return Binding(name)
        dtype = target_dtype(slot, node.dtype)
        writable = node.form == "inplace" and k == receiver(node.call)
        source = next((p for p in self.pool if p.expr == old.source), None)
        if source is None:
            return self.bind(slot, dtype, old.guards, writable, False, False)
        if old.mixed:
            dtype = source.dtype
        if (source.shape, source.dtype) == (old.from_shape, old.from_dtype):
            return replace(
                old,
                steps=(*old.steps[: shape_steps(old)], *self.tail(source.dtype, dtype, old, slot)),
            )
        return self.adapt(source, slot, dtype, old.guards, writable, old.direct, old.mixed)

    def tail(self, source: str, dtype: str, old: Binding, slot: Slot) -> tuple[Any, ...]:
        """Cast and guard steps for the slot as it is now (its op dtype may have changed)."""
        return (
            *adapters.plan_dtype(source, dtype),
            *adapters.plan_guards(old.guards, dtype, slot.shape),
        )

    # -- the end --------------------------------------------------------------------

    def recipe(self) -> Recipe:
        sinks = [p.expr for p in self.pool if not p.is_input and p.uses == 0]
        if not sinks:
            sinks = [p.expr for p in self.pool if not p.is_input][-1:]
        kept = [e for e in self.kept if any(p.expr == e for p in self.pool)]
        outputs = list(dict.fromkeys([*kept, *sinks[-MAX_OUTPUTS:]]))[:MAX_OUTPUTS]
        return Recipe(self.seed, tuple(self.inputs), tuple(self.nodes), tuple(outputs),
                      shapes=self.shapes, configs=tuple(sorted(self.configs.items())))  # fmt: skip


def written_arguments(node: Node) -> list[str]:
    """The names ``node_lines(node, checking=True)`` gives the tensors the call writes."""
    names = arguments(node)
    first = receiver(node.call)
    found = [names[first]] if node.form == "inplace" and first >= 0 else []
    return found + ([names[-1]] if node.dest is not None else [])


def dest_of(binding: Binding) -> tuple[str, tuple[int, ...], str]:
    return binding.source, binding.from_shape, binding.from_dtype


def widened(template: Template, size: int) -> Template | None:
    """The template with its tensors' innermost dimension set to ``size``, where that is
    plainly safe: no literal values, one innermost size shared by every tensor. The
    call is still checked (meta, then tiny real tensors) before it is kept."""
    if any(slot.role is Role.LITERAL for slot in template.slots):
        return None
    innermost = {slot.shape[-1] for slot in template.slots if slot.shape}
    if len(innermost) != 1 or next(iter(innermost)) <= 1:
        return None
    slots = tuple(replace(slot, shape=(*slot.shape[:-1], size)) if slot.shape else slot
                  for slot in template.slots)  # fmt: skip
    return replace(template, slots=slots)


def synthesize(
    seed: int,
    required: Sequence[OpSpec],
    usable: Sequence[OpSpec],
    hot: Sequence[OpSpec],
    motif: Callable[[Synth], object] | None = None,
    at: float = 0.0,
) -> Recipe:
    """A recipe with every operator in ``required`` and a random number of others; with
    ``motif`` placed after a share ``at`` of the walk's calls (``fuel.generate.motifs``)."""
    rng = random.Random(seed)
    synth = Synth(seed, rng, choices.theme(rng))
    count = max(len(required), choices.node_count(rng))
    plan: list[tuple[OpSpec, bool]] = [
        (choices.operator(rng, usable, hot), False) for _ in range(count - len(required))
    ]
    for spec in required:
        plan.insert(rng.randrange(len(plan) + 1), (spec, True))
    where = round(at * len(plan))
    for position in range(len(plan) + 1):
        if position == where and motif is not None:
            motif(synth)
        if position == len(plan):
            break
        spec, must = plan[position]
        if not synth.add_op(spec, must) and must:
            raise RuntimeError(f"the synthesizer could not place {spec.name}")
    while not synth.nodes:
        synth.add_op(choices.operator(rng, usable, hot))
    return synth.recipe()
