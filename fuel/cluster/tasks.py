"""The cluster pool's bookkeeping on the driver: tests on their way, actors, tallies.

Plain objects, no Ray: a handle's ``.remote()`` calls go through whatever handle the
pool gives (:mod:`fuel.cluster.pool` holds every use of Ray itself).
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from fuel.check.checker import LoadRules, Made
from fuel.cluster.actor import Ready, Unmade
from fuel.cluster.plan import Loss
from fuel.cluster.records import Seat
from fuel.errors import FuelError, Rejected
from fuel.execute.records import CompileOptions, RunResult
from fuel.generate.base import GenerationRequest
from fuel.program.record import ProgramSpec

# Ray's handles and references: its type stubs do not follow ``.remote()`` calls.
Handle = Any
Ref = Any


@dataclass(slots=True)
class Order:
    """A test whose program the actor makes: what it is made from."""

    request: GenerationRequest
    rules: LoadRules
    made: Made | None = None  # made on the driver, after an actor died with the request


class Task:
    """One test on its way through the cluster: the driver's own bookkeeping.

    A program's test (``spec``) resolves to a ``RunResult``; an ordered one (``order``,
    no spec until the driver had to make it) to a ``Made``."""

    def __init__(
        self,
        spec: ProgramSpec | None,
        options: CompileOptions,
        timeout_s: float,
        urgent: bool,
        order: Order | None = None,
        coverage: bool = False,
    ) -> None:
        self.spec = spec
        self.order = order
        self.coverage = coverage  # measure the compiled phase's line coverage
        self.options = options
        self.timeout_s = timeout_s
        self.urgent = urgent
        self.future: Future[Any] = Future()
        self.started = False  # the future is running (it can no longer be cancelled)
        self.sent_at = 0.0
        self.lost_on: list[str] = []  # the nodes whose actor was lost under it
        self.loss = Loss.DIED

    def send(self, handle: Handle) -> Ref:
        if self.spec is not None:
            return handle.run.remote(self.spec, self.options, self.timeout_s, self.coverage)
        assert self.order is not None  # a task has a program or an order
        return handle.make.remote(self.order.request, self.options, self.timeout_s,
                                  self.order.rules, self.coverage)  # fmt: skip


class Actor:
    """The driver's handle on one node's actor."""

    def __init__(self, seat: Seat, handle: Handle) -> None:
        self.seat = seat
        self.handle = handle
        self.ready_ref: Ref = handle.ready.remote()
        self.started_at = time.monotonic()
        self.ready: Ready | None = None
        self.running: dict[Ref, Task] = {}
        self.alive = True

    @property
    def free(self) -> int:
        return self.seat.workers - len(self.running) if self.ready and self.alive else 0


@dataclass(slots=True)
class NodeTally:
    address: str
    tests: int = 0
    alive: bool = True


@dataclass(slots=True)
class Counts:
    actors_started: int = 0
    actors_lost: int = 0
    lost_tests: int = 0
    requeued: int = 0
    recorded_lost: int = 0



def deliver(task: Task, value: RunResult | Made | Unmade) -> None:
    """Settle a task's future with what came back for it (or what replaces it)."""
    if isinstance(value, Unmade):
        if value.fuel_error:
            task.future.set_exception(FuelError(f"the generator failed: {value.reason}"))
        else:
            task.future.set_exception(Rejected(value.reason))
    elif isinstance(value, RunResult) and task.order is not None:  # made here, run there
        assert task.order.made is not None
        task.future.set_result(replace(task.order.made, result=value))
    else:
        task.future.set_result(value)
