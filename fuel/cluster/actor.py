"""The actor on each node: the existing warm pool, unchanged, behind Ray.

One actor per node holds a :class:`~fuel.execute.pool.WorkerPool` of that node's
workers, so the zygote (torch imported, the compiler warmed up) is paid once per node
and every worker on it is a fork of it. The driver sends a test only when one of the
actor's workers is free, so nothing queues inside Ray and an actor's death loses
exactly the tests it was running. The actor is threaded (a test per worker at once);
the pool is thread-safe. Its processes die with it: the zygote and the workers are
tied to their parent's life (see :mod:`fuel.execute.sandbox`).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, replace

from fuel.execute.pool import PoolSettings, WorkerPool
from fuel.execute.records import CompileOptions, RunResult
from fuel.program.record import ProgramSpec


@dataclass(frozen=True, slots=True)
class Ready:
    """What an actor says once its workers have started."""

    host: str
    pid: int
    torch_version: str


class NodeWorkers:
    """A node's warm workers; Ray makes it an actor (``ray.remote(NodeWorkers)``)."""

    def __init__(self, settings: PoolSettings, workers: int) -> None:
        self.pool = WorkerPool(replace(settings, workers=workers))

    def ready(self) -> Ready:
        self.pool.wait_ready()
        return Ready(socket.gethostname(), os.getpid(), self.pool.torch_version)

    def run(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None,
        coverage: bool = False,
    ) -> RunResult:
        return self.pool.run(spec, options, timeout_s, coverage)

    def close(self) -> None:
        self.pool.close()
