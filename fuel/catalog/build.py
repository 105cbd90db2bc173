"""Building the catalog from torch's own knowledge: OpInfo and ModuleInfo databases.

For each entry: find the public callable (function, Tensor method or nn module) that
takes the sample's arguments as they are, turn a few diverse sample calls into
templates, and probe each (``fuel.catalog.probe``). Entries that cannot be used stay
in the catalog with the reason, so ``fuel`` can say why an operator is never drawn.
This costs about a minute; ``fuel.catalog.cache`` keeps the result per torch version.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

import torch

from fuel.catalog import probe
from fuel.catalog.families._claims import full_name
from fuel.catalog.registry import Family, OpTable, claim, families
from fuel.catalog.spec import DTYPES, FLOAT_DTYPES, Call, CallKind, CatalogData, OpSpec, Template
from fuel.catalog.trees import Encoder, Unsupported, dtype_of

MAX_SAMPLES = 24  # sample calls read per operator
MAX_TEMPLATES = 4  # templates kept per operator: enough variety, a bounded build time
log = logging.getLogger(__name__)

Candidate = tuple[Template, list[torch.Tensor]]


def build(
    progress: Callable[[str], None] | None = None, only: Collection[str] | None = None
) -> CatalogData:
    """Derive every operator spec (or those named in ``only``) from torch's databases."""
    with probe.quiet():
        from torch.testing._internal.common_methods_invocations import op_db
        from torch.testing._internal.common_modules import module_db
    table = OpTable()
    for info in sorted(op_db, key=full_name):
        if only is not None and full_name(info) not in only:
            continue
        if progress:
            progress(full_name(info))
        table.add(opinfo_spec(info, claim(info)))
    for layer_info in sorted(module_db, key=lambda m: str(m.name)):
        if only is not None and str(layer_info.name) not in only:
            continue
        if progress:
            progress(str(layer_info.name))
        layer = next((f for f in families("modules") if f.claims(layer_info)), None)
        table.add(module_spec(layer_info, layer))
    return CatalogData(torch_version=torch.__version__, ops=tuple(table))


def resolve_call(info: Any) -> Call | None:
    """The public callable that takes a sample's (input, *args, **kwargs) unchanged."""
    method = tensor_method(info.method_variant)
    inplace = tensor_method(info.inplace_variant)
    path = f"torch.{info.name}"
    try:
        function = probe.resolve(path)
    except AttributeError:
        function = None
    if function is not None and function is info.op:
        return Call(CallKind.FUNCTION, path, method, inplace)
    if method:
        return Call(CallKind.METHOD, method, method, inplace)
    return None


def tensor_method(variant: Any) -> str:
    name = getattr(variant, "__name__", "")
    return name if name and getattr(torch.Tensor, name, None) is variant else ""


def exclusion(info: Any, family: Family, call: Call | None) -> str:
    name = full_name(info)
    if name.startswith(("_", "torch.ops", "ops.")):
        return "private or aten-internal operator"
    if name in family.excluded:
        return family.excluded[name]
    if call is None:
        return "no public callable takes the sample arguments as they are (test-only wrapper)"
    if info.has_nondeterministic_output:
        return "nondeterministic or uninitialised output"
    if info.skip_correctness_check_compile_vs_eager:
        return "torch marks its eager and compiled results as incomparable"
    return ""


def opinfo_spec(info: Any, family: Family | None) -> OpSpec:
    name = full_name(info)
    assert family is not None, f"no family claims {name}"
    call = resolve_call(info)
    spec = OpSpec(
        name,
        family.name,
        family.category_of(name),
        call or Call(CallKind.FUNCTION, ""),
        (),
        (),
        guards=family.guards.get(name, ()),
    )
    reason = exclusion(info, family, call)
    if reason:
        return replace(spec, excluded=reason)
    supported = [d for d in DTYPES if dtype_of(d) in info.supported_dtypes("cpu")]
    if not supported:
        return replace(spec, excluded="supports none of fuel's dtypes on CPU")
    reference = "float32" if "float32" in supported else supported[0]
    try:
        with probe.quiet():
            torch.default_generator.manual_seed(0)
            samples = list(islice(info.sample_inputs("cpu", dtype_of(reference)), MAX_SAMPLES))
    except Exception as exc:
        return replace(spec, excluded=f"torch's sample inputs failed: {type(exc).__name__}")
    candidates = list(opinfo_candidates(samples, reference))
    return probed(spec, candidates, reference, supported)


def opinfo_candidates(samples: Iterable[Any], reference: str) -> Iterator[Candidate]:
    for sample in samples:
        encoder = Encoder(reference)
        try:
            first = encoder.tree(sample.input, "input")
            args = tuple(encoder.tree(a, str(i)) for i, a in enumerate(sample.args))
            kwargs = tuple(
                (k, encoder.tree(v, k)) for k, v in sorted(sample.kwargs.items()) if k != "device"
            )  # programs may run on another device
        except Unsupported:
            continue
        yield Template(first, args, kwargs, tuple(encoder.slots), ()), encoder.tensors


def module_spec(info: Any, family: Family | None) -> OpSpec:
    name = str(info.name)
    call = Call(CallKind.MODULE, f"torch.{name}")
    spec = OpSpec(name, family.name if family else "layers", "layer", call, (), ())
    if family is None:
        return replace(spec, excluded="lazy module: parameters appear on the first call")
    if name in family.excluded:
        return replace(spec, excluded=family.excluded[name])
    if probe.resolve(call.target) is not info.module_cls:
        return replace(spec, excluded="not reachable as a public torch.nn class")
    supported = [d for d in FLOAT_DTYPES if dtype_of(d) in info.supported_dtypes("cpu")]
    try:
        with probe.quiet():
            torch.default_generator.manual_seed(0)
            inputs = info.module_inputs_func(
                info, device="cpu", dtype=torch.float32, requires_grad=False, training=False
            )
    except Exception as exc:
        return replace(spec, excluded=f"torch's module inputs failed: {type(exc).__name__}")
    return probed(spec, list(module_candidates(inputs[:MAX_SAMPLES])), "float32", supported)


def module_candidates(inputs: Iterable[Any]) -> Iterator[Candidate]:
    for item in inputs:
        encoder = Encoder("float32")
        ctor, forward = item.constructor_input, item.forward_input
        try:
            ctor_args = tuple(encoder.tree(a, "ctor") for a in ctor.args)
            ctor_kwargs = tuple(
                (k, encoder.tree(v, "ctor")) for k, v in sorted(ctor.kwargs.items())
            )
            if encoder.slots or not forward.args:
                continue
            first = encoder.tree(forward.args[0], "input")
            args = tuple(encoder.tree(a, str(i)) for i, a in enumerate(forward.args[1:]))
            kwargs = tuple((k, encoder.tree(v, k)) for k, v in sorted(forward.kwargs.items()))
        except Unsupported:
            continue
        template = Template(
            first, args, kwargs, tuple(encoder.slots), (), ctor=(ctor_args, ctor_kwargs)
        )
        yield template, encoder.tensors


def structure(template: Template) -> str:
    """The call without its shapes: templates differing only in sizes look alike."""
    return json.dumps(
        [
            template.input,
            template.args,
            template.kwargs,
            template.ctor,
            [s.dtype for s in template.slots],
        ],
        default=str,
    )


def in_order(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per distinct structure first, then the rest, each in sample order."""
    seen: set[str] = set()
    first: list[Candidate] = []
    rest: list[Candidate] = []
    for candidate in candidates:
        key = structure(candidate[0])
        (rest if key in seen else first).append(candidate)
        seen.add(key)
    return first + rest


def probed(
    spec: OpSpec, candidates: list[Candidate], reference: str, supported: list[str]
) -> OpSpec:
    templates: list[Template] = []
    random = seeded = traced = view = False
    tags: set[str] = set()
    for template, tensors in in_order(candidates):
        if len(templates) >= MAX_TEMPLATES:
            break
        guards = [spec.guards_for(slot) for slot in template.slots]
        found = probe.probe_template(spec.call, template, tensors, reference, supported, guards)
        if found is None:
            continue
        templates.append(found.template)
        random, seeded = random or found.random, seeded or found.seeded
        traced, view = traced or found.traced_differs, view or found.view
        tags.update(found.tags)
    dtypes = tuple(d for d in DTYPES if any(d in t.dtypes for t in templates))
    spec = replace(
        spec,
        templates=tuple(templates),
        dtypes=dtypes,
        random=random,
        seeded=seeded,
        traced_differs=traced,
        view=view,
        tags=tuple(sorted(tags)),
    )
    if not templates:
        return replace(spec, excluded="no sample call works both on CPU and on meta tensors")
    if random:
        return replace(spec, excluded="draws random numbers")
    if traced:
        # fuel's executor repeats eager under a dispatch mode (its probe): such an
        # operator makes every program using it look nondeterministic.
        return replace(spec, excluded="results change when run under a dispatch mode")
    return spec
