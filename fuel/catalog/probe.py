"""Probing: which templates, dtypes and value kinds an operator really accepts.

Every template is tried on tiny CPU tensors and on the meta device before it enters
the catalog, so the generator only draws calls that work both where it checks them
(meta tensors, at generation time) and where they run (eager on CPU). The probe also finds
what torch's test database does not record: whether a data argument secretly needs
the sample's own values (it raises on random ones), whether NaN or infinity make the
operator raise, whether it draws random numbers, and whether it returns a view.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.fx.experimental.symbolic_shapes import ShapeEnv
from torch.utils import _pytree as pytree
from torch.utils._python_dispatch import TorchDispatchMode

from fuel.catalog import domains
from fuel.catalog.spec import DTYPES, FLOAT_DTYPES, Call, CallKind, Role, Slot, Template
from fuel.catalog.trees import LITERAL_MAX, decode, dtype_of


def resolve(path: str) -> Any:
    """The object at a dotted path under ``torch`` (``torch.nn.functional.relu``)."""
    parts = path.split(".")
    if parts[0] != "torch":
        raise ValueError(f"not a torch path: {path}")
    obj: Any = torch
    for part in parts[1:]:
        obj = getattr(obj, part)
    return obj


def build_module(call: Call, template: Template, dtype: str) -> torch.nn.Module:
    assert template.ctor is not None
    args, kwargs = template.ctor
    module = resolve(call.target)(
        *decode({"tuple": list(args)}, ()), **{k: decode(v, ()) for k, v in kwargs}
    )
    if dtype in FLOAT_DTYPES and dtype != "float32":
        module = module.to(dtype_of(dtype))
    module.eval()
    assert isinstance(module, torch.nn.Module)
    return module


def invoke(call: Call, template: Template, tensors: Sequence[Any], module: Any = None) -> Any:
    """Call the operator as a program would, with ``tensors`` in the template's slots."""
    first = decode(template.input, tensors)
    args = decode({"tuple": list(template.args)}, tensors)
    kwargs = {k: decode(v, tensors) for k, v in template.kwargs}
    if call.kind is CallKind.FUNCTION:
        return resolve(call.target)(first, *args, **kwargs)
    if call.kind is CallKind.METHOD:
        return getattr(first, call.target)(*args, **kwargs)
    return module(first, *args, **kwargs)


def random_values(slot: Slot, dtype: str, gen: torch.Generator, special: bool) -> torch.Tensor:
    """Values a program's dataflow may carry: signed, with NaN and inf when ``special``."""
    torch_dtype = dtype_of(dtype)
    if dtype in FLOAT_DTYPES:
        t = torch.randn(slot.shape, generator=gen, dtype=torch.float32) * 2
        if special and t.numel() > 0:
            flat = t.view(-1)
            flat[0::3] = float("nan")
            flat[1::4] = float("inf")
            flat[2::5] = float("-inf")
        return t.to(torch_dtype)
    if dtype == "bool":
        return torch.randint(0, 2, slot.shape, generator=gen).bool()
    low = 0 if dtype == "uint8" else -8
    return torch.randint(low, 9, slot.shape, generator=gen).to(torch_dtype)


def literal_tensor(slot: Slot) -> torch.Tensor:
    return torch.tensor(list(slot.values), dtype=dtype_of(slot.dtype)).reshape(slot.shape)


def slot_dtype(slot: Slot, dtype: str) -> str:
    return dtype if slot.follows and slot.role is Role.DATA else slot.dtype


def variant(
    template: Template,
    dtype: str,
    guards: Sequence[tuple[str, ...]],
    gen: torch.Generator,
    special: bool = False,
) -> list[torch.Tensor]:
    """Tensors for one call in ``dtype``: random data (guarded), the literals as recorded."""
    out = []
    for slot, names in zip(template.slots, guards, strict=True):
        if slot.role is Role.LITERAL:
            out.append(literal_tensor(slot))
        else:
            out.append(
                domains.apply(names, random_values(slot, slot_dtype(slot, dtype), gen, special))
            )
    return out


class _SeedWatch(TorchDispatchMode):
    """Notes whether any aten operator of a call draws from the random generator."""

    def __init__(self) -> None:
        super().__init__()
        self.seeded = False
        self.tags: set[str] = set()  # torch.Tag names of the operators that ran

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        if torch.Tag.nondeterministic_seeded in func.tags:
            self.seeded = True
        if not self.tags and has_out_overload(func):
            self.tags.add("out")
        self.tags.update(tag.name for tag in func.tags)
        return func(*args, **(kwargs or {}))


def has_out_overload(func: Any) -> bool:
    """Does the aten operator have an ``out=`` overload (``aten.add.out``)?"""
    packet = func.overloadpacket
    return any(torch.Tag.out in getattr(packet, name).tags for name in packet.overloads())


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def runs(
    call: Call, template: Template, tensors: Sequence[Any], dtype: str, module: Any = None
) -> Any:
    """The output of a real call, or None if it raised."""
    try:
        with quiet(), torch.no_grad():
            if module is None and call.kind is CallKind.MODULE:
                module = build_module(call, template, dtype)
            return invoke(call, template, tensors, module)
    except Exception:
        return None


def meta_runs(call: Call, template: Template, dtype: str) -> bool:
    """Does the call work on meta tensors, as the generator will check it? Operators
    whose output size depends on the data (nonzero, masked_select, unique) have no meta
    kernel; they pass on fake tensors with a shape environment (sizes become unbacked
    symbols), as when Dynamo captures them, and the generator checks them so too."""
    try:
        with quiet(), torch.no_grad():
            module = None
            if call.kind is CallKind.MODULE:
                module = build_module(call, template, dtype).to("meta")
            tensors = [
                torch.empty(s.shape, dtype=dtype_of(slot_dtype(s, dtype)), device="meta")
                for s in template.slots
            ]
            invoke(call, template, tensors, module)
    except NotImplementedError:  # no meta kernel; the call already ran on CPU
        return call.kind is not CallKind.MODULE and fake_runs(call, template, dtype)
    except Exception:
        return False
    return True


def fake_runs(call: Call, template: Template, dtype: str) -> bool:
    """Does the call work on fake tensors, a size of its result an unbacked symbol (the
    data decides it)? Other calls that meta refuses (a copy to the CPU) stay refused."""
    mode = FakeTensorMode(shape_env=ShapeEnv())
    try:
        with quiet(), torch.no_grad():
            tensors = [  # static sizes: a symbol in the result is one the data decides
                mode.from_tensor(
                    torch.zeros(s.shape, dtype=dtype_of(slot_dtype(s, dtype))), static_shapes=True
                )
                for s in template.slots
            ]
            with mode:
                output = invoke(call, template, tensors)
    except Exception:
        return False
    leaves = [t for t in pytree.tree_leaves(output) if isinstance(t, torch.Tensor)]
    return any(isinstance(size, torch.SymInt) for t in leaves for size in t.shape)


def works_in(
    call: Call,
    template: Template,
    dtype: str,
    guards: Sequence[tuple[str, ...]],
    gen: torch.Generator,
) -> bool:
    """Twice on random values: does the call work in ``dtype`` on CPU?"""
    for _ in range(2):
        output = runs(call, template, variant(template, dtype, guards, gen), dtype)
        if output is None or output_paths(output) is None:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Findings:
    template: Template
    random: bool  # the result changed with the seed
    seeded: bool  # an aten operator tagged as random ran
    traced_differs: bool  # the result changed under a dispatch mode
    view: bool
    tags: tuple[str, ...] = ()  # torch.Tag names of the aten operators the call ran


def output_paths(output: Any) -> tuple[tuple[int, ...], ...] | None:
    """Index paths to the tensors of a result (None entries skipped), or None if the
    result holds anything else (numbers, complex or sparse tensors)."""
    if plain_tensor(output):
        return ((),)
    if not isinstance(output, (tuple, list)):
        return None
    paths: list[tuple[int, ...]] = []
    for i, item in enumerate(output):
        if item is None:
            continue
        inner = output_paths(item)
        if inner is None:
            return None
        paths.extend((i, *p) for p in inner)
    return tuple(paths) or None


def plain_tensor(value: Any) -> bool:
    """A dense tensor of one of fuel's dtypes: something the dataflow can carry on."""
    return (
        isinstance(value, torch.Tensor)
        and value.layout is torch.strided
        and str(value.dtype).removeprefix("torch.") in DTYPES
    )


def same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.is_floating_point():
            return bool(
                torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(), b.nan_to_num())
            )
        return bool(torch.equal(a, b))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def randomness(
    call: Call, template: Template, tensors: Sequence[Any], dtype: str
) -> tuple[bool, bool, bool, tuple[str, ...]]:
    """(the result changes with the seed, an operator tagged random ran, the result
    changes when the call runs under a dispatch mode, the tags of what ran)."""
    watch = _SeedWatch()
    module = None
    if call.kind is CallKind.MODULE:
        with quiet():
            module = build_module(call, template, dtype)
    results = []
    for seed in (1, 2):  # both under the watch: a dispatch mode can change kernel paths
        torch.default_generator.manual_seed(seed)
        copies = [t.clone() for t in tensors]  # outside the watch: only the call's tags
        with watch:
            results.append(runs(call, template, copies, dtype, module))
    first, second = results
    torch.default_generator.manual_seed(1)
    plain = runs(call, template, [t.clone() for t in tensors], dtype, module)
    return not same(first, second), watch.seeded, not same(first, plain), tuple(sorted(watch.tags))


def shares_storage(output: Any, tensors: Sequence[torch.Tensor]) -> bool:
    outs = [o for o in pytree.tree_leaves(output) if isinstance(o, torch.Tensor)]
    inputs = {t.untyped_storage().data_ptr() for t in tensors if t.numel() > 0}
    return any(o.numel() > 0 and o.untyped_storage().data_ptr() in inputs for o in outs)


def with_roles(
    call: Call,
    template: Template,
    sample: Sequence[torch.Tensor],
    reference: str,
    guards: Sequence[tuple[str, ...]],
    gen: torch.Generator,
) -> Template | None:
    """Data slots that raise on random values keep the sample's values (if few); those
    that raise on degenerate values (zeros, all ones) take fresh random values only."""
    slots = list(template.slots)
    for i, slot in enumerate(template.slots):
        if slot.role is not Role.DATA:
            continue
        random = domains.apply(guards[i], random_values(slot, slot.dtype, gen, False))
        if not runs_with(call, template, sample, reference, i, random):
            if slot.numel() > LITERAL_MAX:
                return None
            values = tuple(sample[i].flatten().tolist())
            slots[i] = replace(slot, role=Role.LITERAL, follows=False, values=values)
            continue
        dtype = dtype_of(slot.dtype)
        for degenerate in (
            torch.zeros(slot.shape, dtype=dtype),
            torch.ones(slot.shape, dtype=dtype),
        ):
            if not runs_with(
                call, template, sample, reference, i, domains.apply(guards[i], degenerate)
            ):
                slots[i] = replace(slot, role=Role.FRESH)
                break
    return replace(template, slots=tuple(slots))


def runs_with(
    call: Call,
    template: Template,
    sample: Sequence[torch.Tensor],
    reference: str,
    index: int,
    tensor: torch.Tensor,
) -> bool:
    """Does the sample call still work with ``tensor`` in slot ``index``?"""
    tensors = list(sample)
    tensors[index] = tensor
    return runs(call, template, tensors, reference) is not None


def probe_template(
    call: Call,
    template: Template,
    sample: Sequence[torch.Tensor],
    reference: str,
    dtypes: Sequence[str],
    guards: Sequence[tuple[str, ...]],
) -> Findings | None:
    """The template with the dtypes it works in, or None if it is unusable."""
    gen = torch.Generator().manual_seed(0)
    if runs(call, template, sample, reference) is None:
        return None
    roled = with_roles(call, template, sample, reference, guards, gen)
    if roled is None:
        return None
    working = [d for d in dtypes if works_in(call, roled, d, guards, gen)]
    # Meta kernels check shapes, not dtypes: one meta run per template is enough here,
    # and the generator checks every call it makes on meta tensors anyway.
    if not working or not meta_runs(call, roled, working[0]):
        return None
    first = working[0]
    tensors = variant(roled, first, guards, gen)
    output = runs(call, roled, tensors, first)
    paths = output_paths(output)
    if paths is None:
        return None
    special = variant(roled, first, guards, gen, special=True)
    finite_only = first in FLOAT_DTYPES and runs(call, roled, special, first) is None
    done = replace(roled, dtypes=tuple(working), outputs=paths, finite_only=finite_only)
    view = call.kind is not CallKind.MODULE and shares_storage(output, tensors)
    random, seeded, traced, tags = randomness(call, roled, tensors, first)
    return Findings(done, random, seeded, traced, view, tags)
