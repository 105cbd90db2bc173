"""Runs one job's phases inside a worker: setup, eager twice, the probe, compiled, and
the runs that help judge a difference.

Each phase gets a fresh copy of the model and exact clones of the inputs, and the
same ``torch.manual_seed``. The float64 reference, the perturbed eager run and the
discrete re-check (:mod:`fuel.execute.lineage`) are only needed when eager and compiled
are not bitwise identical, so they only run then; the re-check only for values that
differ downstream of a discontinuous operation. So do the two references for eager's
own bugs (:func:`run_eager_checks`), each only where it can tell something.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import itertools
import sys
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy
import torch

from fuel.execute import memory, tensors
from fuel.execute.compiler_settings import applied, options_applied
from fuel.execute.lineage import Lineage
from fuel.execute.probe import ProbeMode
from fuel.execute.recheck import Compile, run_discrete
from fuel.execute.records import (
    CompileOptions,
    Failure,
    Frame,
    Labelled,
    Phase,
    Probe,
    RunOutcome,
)
from fuel.execute.rounding import RoundedFloat64
from fuel.execute.targets import Target, TraceFailed, target_of
from fuel.program.record import InputStyle, ProgramSpec, Setting

MAX_MESSAGE_CHARS = 4000
MAX_FRAMES = 40
_module_counter = itertools.count()


@dataclass(slots=True)
class Instance:
    """A loaded program: its module, a pristine model and pristine inputs."""

    module: ModuleType
    model: torch.nn.Module
    inputs: tuple[Any, ...]
    source: str
    settings: tuple[Setting, ...] = ()  # the program's compiler settings


def failure_from(exc: BaseException, depth: int = 0) -> Failure:
    frames = tuple(
        Frame(f.filename, f.lineno or 0, f.name)
        for f in traceback.extract_tb(exc.__traceback__)[-MAX_FRAMES:]
    )
    kind = type(exc)
    qualified = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else (f"{kind.__module__}.{kind.__qualname__}")
    )
    try:
        message = str(exc)
    except Exception:
        message = repr(exc)
    inner = exc.__cause__ or getattr(exc, "inner_exception", None)
    cause = None
    if isinstance(inner, BaseException) and inner is not exc and depth < 4:
        cause = failure_from(inner, depth + 1)
    return Failure(qualified, message[:MAX_MESSAGE_CHARS], frames, cause)


def import_program(spec: ProgramSpec, workdir: Path) -> ModuleType:
    name = f"fuel_program_{next(_module_counter)}"
    path = workdir / f"{name}.py"
    path.write_text(spec.program.source, encoding="utf-8")
    module_spec = importlib.util.spec_from_file_location(name, path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


def build_model(spec: ProgramSpec, module: ModuleType) -> torch.nn.Module:
    if spec.model_factory:
        model = getattr(module, spec.model_factory)()
    elif spec.model_instance:
        model = getattr(module, spec.model_instance)
    else:
        model = getattr(module, spec.model_class)()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"the model is a {type(model).__name__}, not a torch.nn.Module")
    return model


def build_inputs(spec: ProgramSpec, module: ModuleType) -> tuple[Any, ...]:
    if spec.input_style is InputStyle.MAKE_INPUTS:
        value = module.make_inputs()
    elif spec.input_style is InputStyle.INPUTS_LIST:
        value = getattr(module, spec.input_names[0])
    else:
        value = tuple(getattr(module, name) for name in spec.input_names)
    if isinstance(value, torch.Tensor):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(value)
    raise TypeError(f"inputs must be a tensor, list or tuple, not {type(value).__name__}")


def instantiate(spec: ProgramSpec, workdir: Path, device: str, seed: int) -> Instance:
    torch.manual_seed(seed)
    module = import_program(spec, workdir)
    torch.manual_seed(seed)
    model = build_model(spec, module)
    torch.manual_seed(seed)
    inputs = build_inputs(spec, module)
    if device != "cpu":
        model = model.to(device)
        inputs = tuple(tensors.pytree.tree_map(_to_device(device), list(inputs)))
    return Instance(module, model, inputs, spec.program.source, spec.settings)


def _to_device(device: str) -> Callable[[Any], Any]:
    return lambda v: v.to(device) if isinstance(v, torch.Tensor) else v


Prepare = Callable[[torch.nn.Module, tuple[Any, ...]], tuple[torch.nn.Module, tuple[Any, ...]]]


def as_is(
    model: torch.nn.Module, inputs: tuple[Any, ...]
) -> tuple[torch.nn.Module, tuple[Any, ...]]:
    return model, tensors.clone_value(inputs)


def in_float64(
    model: torch.nn.Module, inputs: tuple[Any, ...]
) -> tuple[torch.nn.Module, tuple[Any, ...]]:
    return model.to(torch.float64), tensors.widen_value(inputs)


def perturbed(
    model: torch.nn.Module, inputs: tuple[Any, ...]
) -> tuple[torch.nn.Module, tuple[Any, ...]]:
    generator = torch.Generator().manual_seed(12345)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(tensors.perturb(parameter, generator))
    return model, tensors.perturb_value(inputs, generator)


def made_contiguous(
    model: torch.nn.Module, inputs: tuple[Any, ...]
) -> tuple[torch.nn.Module, tuple[Any, ...]]:
    """Every input, parameter and buffer in fresh contiguous storage at offset 0."""
    for module in model.modules():
        for parameter in module._parameters.values():
            if parameter is not None and not tensors.is_plain(parameter):
                parameter.data = tensors.contiguous_copy(parameter.data)
        for name, buffer in module._buffers.items():
            if buffer is not None and not tensors.is_plain(buffer):
                module._buffers[name] = tensors.contiguous_copy(buffer)
    copy = tensors.pytree.tree_map(_contiguous_leaf, list(inputs))
    return model, tuple(copy)


def _contiguous_leaf(value: Any) -> Any:
    return tensors.contiguous_copy(value) if isinstance(value, torch.Tensor) else value


def layout_plain(instance: Instance) -> bool:
    """Are every input, parameter and buffer contiguous from the start of their storage,
    as the phases get them? (A phase's copy of the model may already be: ``deepcopy``
    clones a parameter that is not dense into contiguous storage.)"""
    leaves, _ = tensors.pytree.tree_flatten(list(instance.inputs))
    model = copy.deepcopy(instance.model)
    held = itertools.chain(leaves, model.parameters(), model.buffers())
    return all(tensors.is_plain(v) for v in held if isinstance(v, torch.Tensor))


def on_device(device: str) -> Prepare:
    def move(
        model: torch.nn.Module, inputs: tuple[Any, ...]
    ) -> tuple[torch.nn.Module, tuple[Any, ...]]:
        moved = tensors.pytree.tree_map(_to_device(device), list(tensors.clone_value(inputs)))
        return model.to(device), tuple(moved)

    return move


def side_under_test(options: CompileOptions) -> Prepare:
    return on_device(options.device) if options.validate == "device" else as_is


def compiles(phase: Phase, options: CompileOptions) -> bool:
    """Does this phase run what the target builds (the compiled side, or the capture
    check after a target's trace failed)?"""
    return phase in (Phase.COMPILED, Phase.CAPTURE) and options.validate == "compiler"


def capture_options(options: CompileOptions) -> CompileOptions:
    """torch.compile(fullgraph=True) with Dynamo alone: can the program be captured in one
    graph at all? (the question a target's failed trace raises; ``Phase.CAPTURE``)"""
    return CompileOptions(backend="eager", fullgraph=True, device=options.device,
                          seed=options.seed)  # fmt: skip


def raw_state(
    inputs: tuple[Any, ...], model: torch.nn.Module, module_state: bool = True
) -> list[tuple[str, Any]]:
    """The tensors a run may have mutated, by label: inputs, and (``module_state``: the
    target writes them on the model) buffers and parameters."""
    leaves, _ = tensors.pytree.tree_flatten(list(inputs))
    state = [(f"input[{i}]", v) for i, v in enumerate(leaves) if isinstance(v, torch.Tensor)]
    if module_state:
        state += [(f"buffer:{n}", b) for n, b in model.named_buffers()]
        state += [(f"param:{n}", p) for n, p in model.named_parameters()]
    return state


def loss_of(leaves: list[Any]) -> torch.Tensor | None:
    """A fixed random weighting of every differentiable output, summed.

    The weights come from numpy: a torch random operator here would be seen by the
    probe as the program's own randomness, and taint every gradient."""
    generator = numpy.random.default_rng(777)
    total = None
    for leaf in leaves:
        if isinstance(leaf, torch.Tensor) and leaf.requires_grad and leaf.is_floating_point():
            weight = torch.from_numpy(generator.standard_normal(tuple(leaf.shape)))
            term = (leaf * weight.to(leaf.dtype).to(leaf.device)).sum()
            total = term if total is None else total + term.to(total.dtype)
    return total


def forward_backward(
    fn: Callable[..., Any], model: torch.nn.Module, inputs: tuple[Any, ...]
) -> tuple[Any, list[tuple[str, Any]]]:
    leaves, _ = tensors.pytree.tree_flatten(list(inputs))
    differentiable = [v for v in leaves if isinstance(v, torch.Tensor) and v.is_floating_point()]
    for tensor in differentiable:
        tensor.requires_grad_(True)
    with torch.enable_grad():
        output = fn(*inputs)
        loss = loss_of(tensors.pytree.tree_flatten(output)[0])
        if loss is not None:
            loss.backward()
    grads = [(f"grad:input[{i}]", t.grad) for i, t in enumerate(differentiable)]
    grads += [(f"grad:param:{n}", p.grad) for n, p in model.named_parameters()]
    return output, grads


@dataclass(slots=True)
class Ran:
    """What one phase computed, as live tensors: the probe maps its hazards and lineage
    onto these before they become plain data (:meth:`outcome`)."""

    output: Any
    state: list[tuple[str, Any]]
    grads: list[tuple[str, Any]]

    def named(self) -> dict[str, Any]:
        """Each value by the name the judge gives it (see ``RunOutcome.values``)."""
        leaves, _ = tensors.pytree.tree_flatten(self.output)
        named = {f"output[{i}]": leaf for i, leaf in enumerate(leaves)}
        named.update(self.state)
        named.update(self.grads)
        return named

    def outcome(self, phase: Phase, seconds: float) -> RunOutcome:
        leaves, structure = tensors.flatten_output(self.output)
        state = tuple(Labelled(label, tensors.plain_leaf(v)) for label, v in self.state)
        grads = tuple(Labelled(label, _grad(g)) for label, g in self.grads)
        return RunOutcome(phase, leaves, structure, state, grads, None, seconds)


def _grad(t: torch.Tensor | None) -> Any:
    return None if t is None else tensors.plain_leaf(t)


def execute(
    phase: Phase,
    instance: Instance,
    options: CompileOptions,
    prepare: Prepare = as_is,
    mode: Any = None,
) -> Ran:
    """Run one phase on fresh copies of the model and inputs; raises what the program
    raises."""
    model, inputs = prepare(copy.deepcopy(instance.model), instance.inputs)
    model.eval()
    target = target_of(options) if options.validate == "compiler" else None
    compiling = compiles(phase, options)
    settings = options_applied(options) if compiling else nullcontext()
    with settings, mode if mode is not None else nullcontext():
        fn = built(target, model, inputs, options) if target and compiling else model
        torch.manual_seed(options.seed)
        if options.backward:
            output, grads = forward_backward(fn, model, inputs)
        else:
            with torch.no_grad():
                output = fn(*inputs)
            grads = []
    module_state = target is None or target.writes_module_state
    return Ran(output, raw_state(inputs, model, module_state), grads)


def built(
    target: Target, model: torch.nn.Module, inputs: tuple[Any, ...], options: CompileOptions
) -> Callable[..., Any]:
    """What the target makes of the model, as a function of the inputs."""
    prepared = target.prepare(model, inputs, options)
    return lambda *args: target.run(prepared, args)


def run_phase(
    phase: Phase,
    instance: Instance,
    options: CompileOptions,
    prepare: Prepare = as_is,
    mode: Any = None,
) -> RunOutcome:
    start = time.perf_counter()
    memory.phase_started()
    try:
        ran = execute(phase, instance, options, prepare, mode)
        outcome = ran.outcome(phase, time.perf_counter() - start)
    except BaseException as exc:  # the program may raise anything, SystemExit included
        tracing = isinstance(exc, TraceFailed) and exc.__cause__ is not None
        failure = failure_from(exc.__cause__ if tracing else exc)  # type: ignore[arg-type]
        outcome = RunOutcome(phase, failure=failure, seconds=time.perf_counter() - start,
                             while_tracing=tracing)  # fmt: skip
    return replace(outcome, peak_mb=memory.phase_peak_mb())


@dataclass(slots=True)
class Probed:
    """The probe's report, and the lineage and live values it kept for re-checks."""

    probe: Probe
    lineage: Lineage
    values: dict[str, Any]


def run_probe(instance: Instance, options: CompileOptions) -> Probed:
    # Its own run: a dispatch mode can change results (some linalg decompositions),
    # so it must not be one of the two runs compared for determinism.
    lineage = Lineage()
    mode = ProbeMode(instance.source, lineage)
    try:
        values: dict[str, Any] | None = execute(Phase.PROBE, instance, options, mode=mode).named()
    except BaseException:  # eager raises too, and the judge says so
        values = None
    return Probed(mode.report(values), lineage, values or {})


def compile_alone(options: CompileOptions) -> Compile:
    """How the discrete re-check runs one operation on the side under test."""
    if options.validate == "device":
        move = _to_device(options.device)
        return lambda module: lambda *args: module.to(options.device)(*[move(a) for a in args])

    target = target_of(options)

    def compiled(module: torch.nn.Module) -> Callable[..., Any]:
        made: list[Callable[..., Any]] = []  # built on the first call, from its arguments

        def call(*args: Any) -> Any:
            with options_applied(options):
                if not made:
                    made.append(built(target, module, args, options))
                return made[0](*args)

        return call

    return compiled


def run_phases(
    instance: Instance,
    options: CompileOptions,
    announce: Callable[[Phase], None],
    deliver: Callable[[RunOutcome], None],
    compiled_context: Callable[[], Any] = nullcontext,
) -> Probe:
    """Run every phase in order, announcing each before it starts; return the probe."""
    announce(Phase.EAGER)
    eager = run_phase(Phase.EAGER, instance, options)
    deliver(eager)
    announce(Phase.EAGER_REPEAT)
    deliver(run_phase(Phase.EAGER_REPEAT, instance, options))
    announce(Phase.PROBE)
    probed = run_probe(instance, options)
    if options.eager_only:
        return probed.probe
    announce(Phase.COMPILED)
    with compiled_context(), applied(instance.settings):
        compiled = run_phase(Phase.COMPILED, instance, options, side_under_test(options))
    deliver(compiled)
    if compiled.while_tracing:
        announce(Phase.CAPTURE)
        with applied(instance.settings):
            deliver(run_phase(Phase.CAPTURE, instance, capture_options(options)))
    if eager.ok and compiled.ok and not tensors.outcomes_identical(eager, compiled):
        announce(Phase.REFERENCE)
        reference = run_phase(Phase.REFERENCE, instance, options, prepare=in_float64,
                              mode=tensors.float64_default())
        deliver(reference)
        announce(Phase.PERTURBED)
        deliver(run_phase(Phase.PERTURBED, instance, options, prepare=perturbed))
        announce(Phase.DISCRETE)
        with applied(instance.settings):  # the steps compile as the program did
            discrete = run_discrete_phase(probed, eager, compiled, reference, options)
        if discrete is not None:
            deliver(discrete)
        run_eager_checks(instance, options, probed.probe, announce, deliver)
    return probed.probe


def run_eager_checks(
    instance: Instance,
    options: CompileOptions,
    probe: Probe,
    announce: Callable[[Phase], None],
    deliver: Callable[[RunOutcome], None],
) -> None:
    """The references that can show eager itself wrong, each run only where it can
    matter: eager on contiguous copies when something the program is given is not
    contiguous; the rounded float64 computation when the program ran an operation
    :class:`RoundedFloat64` computes, delivered only when it computed one (an integer
    input), and rounded the other way at ties only when it met one."""
    if not layout_plain(instance):
        announce(Phase.CONTIGUOUS)
        deliver(run_phase(Phase.CONTIGUOUS, instance, options, prepare=made_contiguous))
    ran = {name.split(".")[1] for name in probe.aten_ops if name.count(".") >= 1}
    if not ran.intersection(RoundedFloat64.OPERATORS):
        return
    for phase, up in ((Phase.ROUNDED, False), (Phase.ROUNDED_UP, True)):
        mode = RoundedFloat64(up)
        announce(phase)
        outcome = run_phase(phase, instance, options, mode=mode)
        if not mode.rounded:
            return
        deliver(outcome)
        if not mode.near_ties:
            return


def run_discrete_phase(
    probed: Probed,
    eager: RunOutcome,
    compiled: RunOutcome,
    reference: RunOutcome,
    options: CompileOptions,
) -> RunOutcome | None:
    start = time.perf_counter()
    try:
        found = run_discrete(probed.lineage, probed.values, eager, compiled, reference,
                             compile_alone(options))  # fmt: skip
    except BaseException as exc:  # the re-check compiles: anything may be raised
        return RunOutcome(Phase.DISCRETE, failure=failure_from(exc),
                          seconds=time.perf_counter() - start)  # fmt: skip
    if found is None:
        return None
    return RunOutcome(Phase.DISCRETE, seconds=time.perf_counter() - start, rechecks=found)
