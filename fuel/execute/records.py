"""Records that cross the process boundary between the pool and its workers.

The executor takes a program and compile options and returns a :class:`RunResult`:
what each phase produced or raised, and how the worker ended. It says nothing about
whether that is a bug; :mod:`fuel.judge` decides.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from fuel.program.record import ProgramSpec


class Phase(str, enum.Enum):
    """The steps of one test, in the order a worker runs them."""

    SETUP = "setup"  # import the program, build model and inputs
    EAGER = "eager"
    EAGER_REPEAT = "eager_repeat"  # second eager run: is eager itself deterministic?
    PROBE = "probe"  # a third eager run, watched at the aten level (see fuel.execute.probe)
    COMPILED = "compiled"  # the side under test: compiled, or eager on another device
    REFERENCE = "reference"  # eager in float64: the yardstick for numeric judgement
    PERTURBED = "perturbed"  # eager on inputs nudged by a few ulps: conditioning
    # Values that differ downstream of a discontinuous operation (a cast to int, floor, a
    # comparison): each such operation compiled alone on eager's inputs to it, and the
    # value recomputed eagerly with the operation's float inputs nudged (fuel.execute.lineage).
    DISCRETE = "discrete"
    # References that can show eager itself wrong where float64 cannot (the program is
    # already float64 or integer, so the float64 run repeats eager's kernels):
    # eager on copies of every input, parameter and buffer in fresh contiguous storage,
    # run when one of them is not (if eager's result moves with layout, eager is broken);
    CONTIGUOUS = "contiguous"
    # eager with each integer-valued, float-computed operation computed in float64 and
    # rounded as torch specifies it (fuel.execute.rounding), values near a half rounded
    # down; ROUNDED_UP rounds those up, and runs only when there were any.
    ROUNDED = "rounded"
    ROUNDED_UP = "rounded_up"
    # Where a target's trace of the program failed (torch.export): the program captured
    # by torch.compile(fullgraph=True, backend="eager"), which tells a refusal by design
    # (Dynamo cannot capture it either) from a lead (fuel.judge.judge.judge_refusal).
    CAPTURE = "capture"


class ExitStatus(str, enum.Enum):
    COMPLETED = "completed"
    CRASHED = "crashed"  # the worker died (signal or exit code)
    TIMEOUT = "timeout"
    OOM = "oom"  # killed from outside, the usual sign of the kernel's OOM killer
    WORKER_ERROR = "worker_error"  # fuel's own code failed in the worker


# Dynamo alone, + AOTAutograd, + decompositions and partitioning, + Inductor: the first
# backend of this ladder that shows a bug names the layer of torch.compile it is in.
BISECT_LADDER = ("eager", "aot_eager", "aot_eager_decomp_partition", "inductor")


@dataclass(frozen=True, slots=True)
class CompileOptions:
    """How the compiled side of a test is built and run."""

    backend: str = "inductor"
    mode: str | None = None
    dynamic: bool | None = None
    fullgraph: bool = False
    backward: bool = False
    device: str = "cpu"
    seed: int = 0
    eager_only: bool = False  # validity check only: no compiled run (fast)
    # "compiler": eager against torch.compile, both on ``device``;
    # "device": eager on the CPU against eager on ``device`` (the side under test).
    validate: str = "compiler"
    # Compiler settings for the compiled run, as ("inductor.<field>", value),
    # ("dynamo.<field>", value) or ("functorch.<field>", value): patched into the
    # config module around that run only, so nothing leaks into the next job.
    config: tuple[tuple[str, Any], ...] = ()
    # What turns the model into the side compared with eager (fuel.execute.targets):
    # torch.compile (with ``backend``, ``mode``...), torch.export, AOTInductor.
    target: str = "compile"

    @property
    def home_device(self) -> str:
        """Where the program is built and the eager (reference) side runs."""
        return "cpu" if self.validate == "device" else self.device

    def with_backend(self, backend: str) -> CompileOptions:
        return replace(self, backend=backend)

    def with_config(self, name: str, value: Any) -> CompileOptions:
        """These options with one compiler setting added (or changed)."""
        kept = tuple(item for item in self.config if item[0] != name)
        return replace(self, config=(*kept, (name, value)))


@dataclass(frozen=True, slots=True)
class Frame:
    filename: str
    lineno: int
    function: str


@dataclass(frozen=True, slots=True)
class Failure:
    """An exception raised inside a phase, reduced to plain data."""

    exc_type: str  # qualified: torch._dynamo.exc.BackendCompilerFailed
    message: str
    frames: tuple[Frame, ...]  # outermost first, as in a traceback
    cause: Failure | None = None  # the exception this one wraps, if any


@dataclass(frozen=True, slots=True)
class Labelled:
    """A named value compared between runs (mutated input, buffer, gradient)."""

    label: str
    value: Any


@dataclass(frozen=True, slots=True)
class DiscreteRecheck:
    """One value that differs downstream of discontinuous operations, looked at again.

    ``nearest`` is, per element, the value eager computes when the float inputs of those
    operations are nudged by a few ulps (the variant closest to compiled's value): where it
    equals compiled's, rounding amplified by the discontinuity explains the difference.
    ``disagreeing`` names the discontinuous operations whose compiled result differs from
    eager's on identical inputs; None when they were not compiled (nothing to explain)."""

    where: str  # output[0], input[1], buffer:name: as the judge names values
    nearest: Any
    operators: tuple[str, ...]  # the discontinuous aten operators the value depends on
    disagreeing: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one phase produced: flattened outputs, state after the run, gradients."""

    phase: Phase
    outputs: tuple[Any, ...] = ()
    structure: str = ""
    state: tuple[Labelled, ...] = ()
    grads: tuple[Labelled, ...] = ()
    failure: Failure | None = None
    seconds: float = 0.0
    rechecks: tuple[DiscreteRecheck, ...] = ()  # the DISCRETE phase's findings
    # Peak resident memory of the phase above its start, in MiB (fuel.execute.memory);
    # None where it was not measured (outside a worker).
    peak_mb: float | None = None
    # The failure was raised while the target traced the program (torch.export), where
    # a target may refuse a program by design; not while what it built ran.
    while_tracing: bool = False

    @property
    def ok(self) -> bool:
        return self.failure is None

    def values(self) -> dict[str, Any]:
        """Every compared value by the name the judge gives it: output[0], ..., then the
        state labels (input[1], buffer:b, param:w) and the gradients' (grad:param:w)."""
        named = {f"output[{i}]": value for i, value in enumerate(self.outputs)}
        named.update((item.label, item.value) for item in self.state)
        named.update((item.label, item.value) for item in self.grads)
        return named

    def identical_to(self, other: RunOutcome) -> bool:
        """Same structure and bitwise-identical outputs, state and gradients (NaN in the
        same places counts as equal)."""
        from fuel.execute.tensors import outcomes_identical  # torch, only when compared

        return outcomes_identical(self, other)


class Hazard(str, enum.Enum):
    """Why a value cannot be compared between eager and compiled (ORACLE.md)."""

    RANDOM = "random"  # drawn by a random operator
    DUPLICATE_INDICES = "duplicate_indices"  # written through duplicate indices
    TIES = "ties"  # the index of one of equal elements
    UNINITIALISED = "uninitialised"  # memory the program allocated and never wrote
    EAGER_GARBAGE = "eager_garbage"  # eager's kernel made a number out of a NaN input
    NAN_GRID = "nan_grid"  # sampled at NaN coordinates, which eager's kernels do not define


@dataclass(frozen=True, slots=True)
class Taint:
    """A hazard a value depends on, and the aten operator that brought it in."""

    hazard: Hazard
    operator: str  # dropout, scatter, argmin, empty


@dataclass(frozen=True, slots=True)
class Probe:
    """What the eager run revealed about the program's determinism."""

    aten_ops: tuple[str, ...] = ()
    random_ops: tuple[str, ...] = ()
    duplicate_index_writes: tuple[str, ...] = ()
    ties: tuple[str, ...] = ()
    uninitialised: tuple[str, ...] = ()  # calls such as torch.empty in the program
    # Which values (output[0], input[1], buffer:b, grad:param:w) depend on which hazards.
    # Only meaningful when ``traced``; otherwise every hazard above applies to every value.
    tainted: tuple[tuple[str, tuple[Taint, ...]], ...] = ()
    traced: bool = False
    # Why hazards may reach values the probe cannot follow (a tainted value read into
    # Python by .item()): then every hazard above applies to every value.
    untraced: tuple[str, ...] = ()
    dtypes: tuple[str, ...] = ()  # dtypes of the tensors the eager run computed

    def taints_of(self, where: str) -> tuple[Taint, ...]:
        return next((taints for name, taints in self.tainted if name == where), ())


@dataclass(frozen=True, slots=True)
class CoverageDelta:
    """Lines of torch's compiler code this test reached that its worker had not."""

    files: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def line_count(self) -> int:
        return sum(len(lines) for _, lines in self.files)


@dataclass(frozen=True, slots=True)
class Job:
    job_id: int
    spec: ProgramSpec
    options: CompileOptions
    # Trace compiler line coverage during the compiled phase (when the worker can):
    # the campaign asks for it per test (``fuel.campaign.measure``); triage never does.
    coverage: bool = False


@dataclass(frozen=True, slots=True)
class RunResult:
    """Everything a worker (or its death) told about one job."""

    exit: ExitStatus
    outcomes: tuple[RunOutcome, ...] = ()
    setup_failure: Failure | None = None
    died_in: Phase | None = None
    signal: int | None = None
    exit_code: int | None = None
    probe: Probe = field(default_factory=Probe)
    coverage: CoverageDelta | None = None  # None: not measured (not asked, or lost)
    stdout: str = ""
    stderr_tail: str = ""
    sandbox_violations: tuple[str, ...] = ()
    seconds: float = 0.0
    worker_pid: int = 0
    detail: str = ""
    fuel_traceback: str = ""  # where fuel's own code failed in the worker (WORKER_ERROR)
    notes: tuple[str, ...] = ()  # what the verdict must say about the program as run
    memory_limit_mb: int = 0  # the worker's --memory-mb (0: none or not known)

    def outcome(self, phase: Phase) -> RunOutcome | None:
        return next((o for o in self.outcomes if o.phase is phase), None)
