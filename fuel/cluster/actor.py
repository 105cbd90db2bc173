"""The actor on each node: the existing warm pool, unchanged, behind Ray.

One actor per node holds a :class:`~fuel.execute.pool.WorkerPool` of that node's
workers, so the zygote (torch imported, the compiler warmed up) is paid once per node
and every worker on it is a fork of it. The driver sends a test only when one of the
actor's workers is free, so nothing queues inside Ray and an actor's death loses
exactly the tests it was running. The actor is threaded (a test per worker at once);
the pool is thread-safe. Its processes die with it: the zygote and the workers are
tied to their parent's life (see :mod:`fuel.execute.sandbox`).

Given a replica of the driver's generator (the built-in one), the actor also makes the
programs it runs: the driver sends a generation request (operators and seed), the
actor generates and loads the program exactly as the driver would
(:func:`make_program`, which the driver also uses for a program whose actor died
before returning it), runs it, and returns the program with its result. Generation
runs in the actor's own process, outside the sandbox: it executes only the
generator's own rendered text (see :mod:`fuel.generate.fake`), never a program.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from dataclasses import dataclass, replace
from importlib import metadata

from fuel.check.checker import LoadRules, Made
from fuel.errors import Rejected
from fuel.execute.pool import PoolSettings, WorkerPool
from fuel.execute.records import CompileOptions, RunResult
from fuel.generate.base import GenerationRequest, Generator
from fuel.program.record import ProgramSpec


@dataclass(frozen=True, slots=True)
class Ready:
    """What an actor says once its workers have started."""

    host: str
    pid: int
    torch_version: str


@dataclass(frozen=True, slots=True)
class Unmade:
    """A request the generator made no program from."""

    reason: str
    fuel_error: bool = False  # the generator failed (fuel's bug), not refused the request


def make_program(
    generator: Generator, request: GenerationRequest, rules: LoadRules
) -> Made | Unmade:
    """The program of ``request``, made and loaded as the driver's checker would; not
    run (``result`` is None)."""
    start = time.perf_counter()
    try:
        program = generator.generate(request)
    except Rejected as refused:
        return Unmade(refused.reason)
    except Exception as error:  # a bug of the generator: the campaign stops on it
        return Unmade(f"{type(error).__name__}: {error}"[:300], fuel_error=True)
    seconds = time.perf_counter() - start
    try:
        spec = rules.load(program)
    except Rejected as rejected:
        return Made(program, None, None, rejected.reason, seconds)
    return Made(program, spec, None, generate_seconds=seconds)


class NodeWorkers:
    """A node's warm workers; Ray makes it an actor (``ray.remote(NodeWorkers)``)."""

    def __init__(
        self, settings: PoolSettings, workers: int, maker: Generator | None = None
    ) -> None:
        self.pool = WorkerPool(replace(settings, workers=workers))
        self.maker = maker

    def ready(self) -> Ready:
        if self.maker is not None:
            # torch imported and the catalog indexed now, not in the first test's time
            with contextlib.suppress(Rejected):
                self.maker.generate(GenerationRequest((), 0))
        self.pool.wait_ready()
        # read as the driver reads its own: a wheel's torch.__version__ may carry a local
        # part (2.15.0+cu132) that its installed metadata does not
        return Ready(socket.gethostname(), os.getpid(), metadata.version("torch"))

    def run(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None,
        coverage: bool = False,
    ) -> RunResult:
        return self.pool.run(spec, options, timeout_s, coverage)

    def make(
        self,
        request: GenerationRequest,
        options: CompileOptions,
        timeout_s: float | None,
        rules: LoadRules,
        coverage: bool = False,
    ) -> Made | Unmade:
        """Make the program of ``request`` here, and run it if it loads."""
        if self.maker is None:
            return Unmade("this actor was given no generator", fuel_error=True)
        made = make_program(self.maker, request, rules)
        if isinstance(made, Unmade) or made.spec is None:
            return made
        return replace(made, result=self.pool.run(made.spec, options, timeout_s, coverage))

    def close(self) -> None:
        self.pool.close()
