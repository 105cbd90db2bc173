"""A toy generator and a fake pool: campaigns tested in milliseconds, without compiling.

``ToyGenerator`` writes real, loadable programs around a handful of operators. Two of
them are special: ``bad`` makes an invalid program (eager fails on shapes), which the
toy repairs by dropping it; ``boom`` and ``fizz`` are "compiler bugs" that
``FakePool`` reports as compile crashes with fixed signatures, so dedup is visible.
``FakePool`` answers every job from the program's operators: coverage lines per
operator (so new operators bring new lines), and a pass otherwise.

``RealBugToyGenerator`` (``toy-bug``) is for real workers (a cluster's, say): there
``boom`` and ``fizz`` are real differences between eager and any torch.compile backend
(``torch.compiler.is_compiling()``), and a program with either holds nothing else, so
each keeps one signature and bugs come fast and few.
"""

from __future__ import annotations

import contextlib
import random
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import replace

import torch

from fuel.errors import Rejected
from fuel.execute.records import CompileOptions, CoverageDelta, RunResult
from fuel.feedback.record import Feedback
from fuel.generate import registry
from fuel.generate.base import GenerationRequest, Generator
from fuel.judge.verdict import Verdict
from fuel.program import ProgramSpec
from fuel.program.record import Program
from tests.judge.crafted import failure, result

EXPRESSIONS = {
    "abs": "torch.abs(x)",
    "cos": "torch.cos(x)",
    "exp": "torch.exp(x)",
    "neg": "torch.neg(x)",
    "relu": "torch.relu(x)",
    "sigmoid": "torch.sigmoid(x)",
    "sin": "torch.sin(x)",
    "tanh": "torch.tanh(x)",
    "bad": "x @ torch.ones(3, 5)",
    "boom": "x + 1",
    "fizz": "x * 2",
}
OPS_LINE = re.compile(r"^# ops: (.*)$", re.MULTILINE)
REAL_BUGS = {
    "boom": "x + 1 if torch.compiler.is_compiling() else x",
    "fizz": "torch.neg(x) * 2 if torch.compiler.is_compiling() else torch.neg(x)",
}


def render(ops: tuple[str, ...], seed: int, expressions: dict[str, str] = EXPRESSIONS) -> str:
    body = "\n".join(f"        x = {expressions[op]}" for op in ops)
    return (
        f"# toy program, seed {seed}\n# ops: {','.join(ops)}\nimport torch\n\n\n"
        f"class Model(torch.nn.Module):\n    def forward(self, x):\n{body}\n        return x\n\n\n"
        "def make_inputs():\n    return (torch.randn(4, 4),)\n"
    )


class ToyGenerator(Generator):
    name = "toy"
    mutates = True

    def __init__(self, reject_every: int = 0) -> None:
        self.reject_every = reject_every
        self.calls = 0
        self.observed: list[Feedback] = []

    def operators(self) -> tuple[str, ...]:
        return tuple(sorted(EXPRESSIONS))

    def generate(self, request: GenerationRequest) -> Program:
        self.calls += 1
        if self.reject_every and self.calls % self.reject_every == 0:
            raise Rejected("the toy refuses this round")
        ops = request.ops or ("relu",)
        return Program(render(ops, request.seed), f"toy_{request.seed}", request.seed, ops, "toy")

    def mutate(self, program: Program, seed: int) -> Program:
        extra = random.Random(seed).choice(("abs", "cos", "neg", "sin", "tanh"))
        ops = (*program.ops, extra)
        return Program(render(ops, seed), f"mut_{seed}", seed, ops, "mutation")

    def observe(self, feedback: Feedback) -> None:
        self.observed.append(feedback)

    def repair(self, program: Program, verdict: Verdict) -> Program | None:
        ops = tuple(op for op in program.ops if op != "bad") or ("relu",)
        if ops == program.ops:
            return None
        return replace(program, source=render(ops, program.seed or 0), ops=ops, origin="repair")


class RealBugToyGenerator(ToyGenerator):
    """The toy, with bugs that real workers see (see the module's docstring)."""

    name = "toy-bug"

    def generate(self, request: GenerationRequest) -> Program:
        return self._real(super().generate(request))

    def mutate(self, program: Program, seed: int) -> Program:
        return self._real(super().mutate(program, seed))

    def _real(self, program: Program) -> Program:
        bug = next((op for op in program.ops if op in REAL_BUGS), None)
        ops = (bug,) if bug else program.ops
        source = render(ops, program.seed or 0, {**EXPRESSIONS, **REAL_BUGS})
        return replace(program, source=source, ops=ops)


class BrokenGenerator(ToyGenerator):
    """Never makes a program: the campaign must stop with a clear error."""

    def generate(self, request: GenerationRequest) -> Program:
        raise Rejected("broken on purpose")


def program_ops(spec: ProgramSpec) -> tuple[str, ...]:
    match = OPS_LINE.search(spec.program.source)
    return tuple(match[1].split(",")) if match and match[1] else ()


def fake_result(spec: ProgramSpec, coverage: bool = True) -> RunResult:
    ops = program_ops(spec)
    out = torch.zeros(2)
    if "bad" in ops:
        error = failure("RuntimeError", "mat1 and mat2 shapes cannot be multiplied", "prog.py")
        crafted = result(error, error)
    elif "boom" in ops or "fizz" in ops:
        name = "boom" if "boom" in ops else "fizz"
        crash = failure(
            "torch._inductor.exc.LoweringException",
            f"{name} went wrong",
            f"/site/torch/_inductor/{name}.py",
        )
        crafted = result(out, crash)
    else:
        crafted = result(out, out)
    files = tuple((f"torch/_inductor/{op}.py", (1, 2, 3)) for op in sorted(set(ops)))
    measured = CoverageDelta(files) if coverage else None
    return replace(crafted, coverage=measured, seconds=0.001)


class FakePool:
    """The pool's interface, answering after ``delay_s`` on a background thread."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.submitted = 0
        self.measured = 0  # submitted with coverage asked for
        self.closed = False
        self.run_calls = 0

    def submit(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> Future[RunResult]:
        self.submitted += 1
        self.measured += coverage
        future: Future[RunResult] = Future()
        future.set_running_or_notify_cancel()
        if self.delay_s <= 0:
            future.set_result(fake_result(spec, coverage))
            return future

        def answer() -> None:
            time.sleep(self.delay_s)
            future.set_result(fake_result(spec, coverage))

        threading.Thread(target=answer, daemon=True).start()
        return future

    def run(
        self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None
    ) -> RunResult:
        self.run_calls += 1
        return fake_result(spec)

    def close(self) -> None:
        self.closed = True


def register_toys() -> None:
    """Put ``toy`` and ``broken`` in the generator registry (once per process)."""
    factories: dict[str, registry.Factory] = {
        "toy": lambda settings: ToyGenerator(),
        "toy-bug": lambda settings: RealBugToyGenerator(),
        "broken": lambda settings: BrokenGenerator(),
    }
    for name, factory in factories.items():
        with contextlib.suppress(ValueError):  # registered already
            registry.register(name)(factory)
