"""The cluster pool: the warm pool's interface, served by one actor per node of a Ray cluster.

The campaign cannot tell it from a :class:`~fuel.execute.pool.WorkerPool`: ``submit``
returns a future, ``run`` blocks and goes ahead of submitted tests (a bug being
reduced), ``close`` ends it. Tests wait in the driver, and one is sent to an actor
only when one of its workers is free, so an actor's death loses exactly the tests it
was running. A thread of the driver collects results, starts an actor on every node
that joins or whose actor died (a replacement), and handles losses:

* an actor or node that dies, or an actor that stops answering, loses its in-flight
  tests: each is sent once more; one lost a second time is recorded as a death or a
  timeout (:func:`fuel.cluster.plan.lost_result`), as a worker's would be on one machine;
* a node whose actor cannot start (fuel or torch missing, another torch version than
  the driver's) is given up after ``MAX_FAILURES_PER_NODE`` tries, and the campaign
  stops with the reason once no node is left.

Given a replica of the campaign's generator (``maker``), the pool is also a
:class:`~fuel.check.checker.Maker`: ``submit_request`` sends a generation request
instead of a program, and the actor makes, loads and runs the program
(:meth:`~fuel.cluster.actor.NodeWorkers.make`). A request whose actor dies before
answering is made on the driver by the same function
(:func:`~fuel.cluster.actor.make_program`), then sent again as a program, so a test
lost twice is recorded with its source like any other.

Only this module and :mod:`fuel.cluster.connect` import Ray.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import replace
from importlib import metadata
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from fuel.check.checker import LoadRules, Made
from fuel.cluster.actor import NodeWorkers, Ready, make_program
from fuel.cluster.plan import MAX_TRIES, Loss, lost_result, seats, threads_per_worker
from fuel.cluster.records import ClusterReport, ClusterSettings, NodeReport, Seat
from fuel.cluster.tasks import Actor, Counts, Handle, NodeTally, Order, Ref, Task, deliver
from fuel.errors import FuelError
from fuel.execute.pool import PoolSettings
from fuel.execute.records import CompileOptions, RunResult
from fuel.generate.base import GenerationRequest, Generator
from fuel.program.record import ProgramSpec

WAIT_S = 0.05  # how long the driver's thread waits on Ray before looking again
RECONCILE_S = 5.0  # how often it asks Ray which nodes are alive
# An actor enforces each test's time limit itself (its worker is killed then), so one
# that has not answered this long after the limit is hung, or its node is.
HANG_GRACE_S = 120.0
# A node whose actors cannot start (fuel or torch missing there, a zygote that fails)
# is given up after this many tries rather than retried for the whole campaign.
MAX_FAILURES_PER_NODE = 3
# An actor lost with its node is seen dying before Ray declares the node dead (after
# its health check misses five beats of three seconds): a replacement waits that long,
# or it would be placed on the dying node and lost too.
REPLACE_AFTER_S = 20.0
CLOSE_S = 15.0  # how long the actors get to stop their workers before they are killed
NODE_ID_CHARS = 6  # enough to tell the nodes of one cluster apart in a report

RemoteNodeWorkers = ray.remote(NodeWorkers)
def short(node_id: str) -> str:
    return node_id[:NODE_ID_CHARS]


class ClusterPool:
    """The warm pool's interface over one actor per node (Ray must be connected)."""

    def __init__(
        self, settings: ClusterSettings, pool: PoolSettings, maker: Generator | None = None
    ) -> None:
        self.settings = settings
        self.pool_settings = pool
        self._maker = maker  # makes programs on the actors (and here, for lost ones)
        self._maker_ref: Ref = ray.put(maker) if maker is not None else None
        self._lock = threading.RLock()
        self._urgent: deque[Task] = deque()
        self._queued: deque[Task] = deque()
        self._actors: dict[str, Actor] = {}  # the live actor of each node, by node id
        self._refs: dict[Ref, tuple[Actor, Task | None]] = {}  # None: ready
        self._nodes: dict[str, NodeTally] = {}  # every node that held an actor
        self._failures: dict[str, int] = {}  # actors that failed to start, per node
        self._lost_at: dict[str, float] = {}  # when each node last lost an actor
        self._counts = Counts()
        self._last_error = ""
        self._closed = False
        self._reconcile_at = 0.0
        self._torch = metadata.version("torch")
        self._reconcile()
        self._thread = threading.Thread(target=self._serve, name="fuel-cluster", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ the pool's interface
    def wait_ready(self) -> int:
        """Block until every actor first placed has started or failed; the workers
        ready. Raises ``FuelError`` when none could start."""
        deadline = time.monotonic() + self.pool_settings.start_timeout_s
        while True:
            with self._lock:
                starting = any(a.ready is None for a in self._actors.values())
                workers = sum(a.seat.workers for a in self._actors.values() if a.ready)
                # nothing more will start: no placement due, no node waiting to retry
                settled = time.monotonic() < self._reconcile_at and not any(
                    self._waiting_to_retry(node_id) for node_id in self._lost_at
                )
            if workers and (not starting or time.monotonic() > deadline):
                return workers
            if (settled and not self._actors) or time.monotonic() > deadline:
                reason = self._last_error or "no live node offers a CPU (or a GPU for cuda)"
                raise FuelError(f"no node of the Ray cluster could start fuel's workers: {reason}")
            time.sleep(WAIT_S)

    def submit(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> Future[RunResult]:
        limit = timeout_s or self.pool_settings.timeout_s
        return self._enqueue(Task(spec, options, limit, False, coverage=coverage))

    def run(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> RunResult:
        """Run one program on the next free worker of any node, ahead of submitted ones."""
        task = Task(spec, options, timeout_s or self.pool_settings.timeout_s, True,
                    coverage=coverage)  # fmt: skip
        result: RunResult = self._enqueue(task).result()
        return result

    @property
    def makes_programs(self) -> bool:
        return self._maker is not None

    def submit_request(
        self,
        request: GenerationRequest,
        options: CompileOptions,
        timeout_s: float | None,
        rules: LoadRules,
        coverage: bool = False,
    ) -> Future[Made]:
        """Have an actor make, load and run the program of ``request`` (see the module
        docstring); the future raises ``Rejected`` when the generator refused it."""
        if self._maker is None:
            raise FuelError("this cluster pool was given no generator to make programs with")
        order = Order(request, rules)
        timeout = timeout_s or self.pool_settings.timeout_s
        return self._enqueue(Task(None, options, timeout, False, order, coverage=coverage))

    def report(self) -> ClusterReport:
        with self._lock:
            nodes = tuple(
                NodeReport(
                    short(node_id),
                    tally.address,
                    self._workers_on(node_id),
                    tally.tests,
                    tally.alive,
                    self._running_on(node_id),
                )
                for node_id, tally in self._nodes.items()
            )
            ready = [a for a in self._actors.values() if a.ready]
            c = self._counts
            return ClusterReport(nodes, len(ready), sum(a.seat.workers for a in ready),
                                 c.actors_started, c.actors_lost, c.lost_tests, c.requeued,
                                 c.recorded_lost)  # fmt: skip

    def close(self) -> None:
        with self._lock:
            self._closed = True
            actors = list(self._actors.values())
            waiting = [*self._urgent, *self._queued]
            waiting += [task for actor in actors for task in actor.running.values()]
            self._urgent.clear()
            self._queued.clear()
            self._actors.clear()
            self._refs.clear()
        with contextlib.suppress(Exception):
            closing = [actor.handle.close.remote() for actor in actors]
            ray.wait(closing, num_returns=len(closing), timeout=CLOSE_S)
        for actor in actors:
            with contextlib.suppress(Exception):
                ray.kill(actor.handle, no_restart=True)
        for task in waiting:
            if not task.future.done():
                task.future.set_exception(FuelError("the worker pool is closed"))
        self._thread.join(timeout=CLOSE_S)

    def __enter__(self) -> ClusterPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ sending tests
    def _enqueue(self, task: Task) -> Future[Any]:
        with self._lock:
            if self._closed:
                raise FuelError("the worker pool is closed")
            (self._urgent if task.urgent else self._queued).append(task)
        self._dispatch()
        return task.future

    def _dispatch(self) -> None:
        """Send waiting tests to free workers, urgent ones first, the freest actor first."""
        with self._lock:
            while (self._urgent or self._queued) and not self._closed:
                actor = max(self._actors.values(), key=lambda a: a.free, default=None)
                if actor is None or actor.free == 0:
                    return
                task = (self._urgent or self._queued).popleft()
                if not task.started:
                    if not task.future.set_running_or_notify_cancel():
                        continue  # cancelled while it waited
                    task.started = True
                ref = task.send(actor.handle)
                task.sent_at = time.monotonic()
                actor.running[ref] = task
                self._refs[ref] = (actor, task)

    # ------------------------------------------------------------ the driver's thread
    def _serve(self) -> None:
        try:
            while not self._closed:
                if time.monotonic() >= self._reconcile_at:
                    self._reconcile()
                with self._lock:
                    refs = list(self._refs)
                if not refs:
                    time.sleep(WAIT_S)
                    continue
                done, _ = ray.wait(refs, num_returns=1, timeout=WAIT_S)
                for ref in done:
                    self._finish(ref)
                self._find_hung()
                self._dispatch()
        except Exception as error:  # the cluster is gone (its head died): fail every test
            if not self._closed:
                self._fail_everything(FuelError(f"the Ray cluster failed: {error}"[:300]))

    def _finish(self, ref: Ref) -> None:
        with self._lock:
            entry = self._refs.pop(ref, None)
        if entry is None:
            return  # its actor was given up already
        actor, task = entry
        try:
            value: Any = ray.get(ref)
        except ray.exceptions.RayTaskError as error:  # fuel's code on the node raised
            self._lose(actor, Loss.DIED, one_line(error.cause or error), failed=True)
            return
        except ray.exceptions.RayError as error:  # the actor or its node died
            self._lose(actor, Loss.DIED, one_line(error), failed=task is None)
            return
        if task is None:
            self._started(actor, value)
            return
        with self._lock:
            actor.running.pop(ref, None)
            self._nodes[actor.seat.node_id].tests += 1
        self._dispatch()  # the freed worker's next test first, then this one's judging
        deliver(task, value)

    def _started(self, actor: Actor, ready: Ready) -> None:
        if ready.torch_version != self._torch:
            with self._lock:
                self._failures[actor.seat.node_id] = MAX_FAILURES_PER_NODE
            reason = f"torch {ready.torch_version} on {ready.host}, {self._torch} on the driver"
            self._lose(actor, Loss.DIED, reason, failed=True)
            return
        with self._lock:
            actor.ready = ready

    def _find_hung(self) -> None:
        now = time.monotonic()
        start_limit = self.pool_settings.start_timeout_s + HANG_GRACE_S
        with self._lock:
            actors = list(self._actors.values())
        for actor in actors:
            with self._lock:
                overdue = {ref for ref, task in actor.running.items()
                           if now - task.sent_at > task.timeout_s + HANG_GRACE_S}  # fmt: skip
            if overdue:
                self._lose(actor, Loss.DIED, "it stopped answering", overdue=overdue)
            elif actor.ready is None and now - actor.started_at > start_limit:
                self._lose(actor, Loss.DIED, "it did not start", failed=True)

    # ------------------------------------------------------------ losses
    def _lose(
        self,
        actor: Actor,
        how: Loss,
        reason: str,
        *,
        failed: bool = False,
        overdue: set[Ref] | None = None,
    ) -> None:
        """Give up an actor: re-queue its tests once, record those lost twice, and have
        a replacement started. ``failed``: it never served (counts against its node)."""
        node_id = actor.seat.node_id
        recorded = []
        with self._lock:
            if not actor.alive:
                return
            actor.alive = False
            if self._actors.get(node_id) is actor:
                del self._actors[node_id]
            self._refs.pop(actor.ready_ref, None)
            self._counts.actors_lost += 1
            self._lost_at[node_id] = time.monotonic()
            if failed:
                self._failures[node_id] = self._failures.get(node_id, 0) + 1
                self._last_error = f"node {short(node_id)}: {reason}"
            requeue: list[Task] = []
            for ref, task in actor.running.items():
                self._refs.pop(ref, None)
                task.lost_on.append(short(node_id))
                task.loss = Loss.HUNG if overdue and ref in overdue else how
                self._counts.lost_tests += 1
                if len(task.lost_on) < MAX_TRIES:
                    requeue.append(task)
                else:
                    recorded.append(task)
            actor.running.clear()
            self._reconcile_at = 0.0  # a replacement, where the node is still there
        with contextlib.suppress(Exception):
            ray.kill(actor.handle, no_restart=True)
        for task in requeue + recorded:
            if task.spec is None:
                self._make_here(task)
        requeue = [task for task in requeue if not task.future.done()]
        recorded = [task for task in recorded if not task.future.done()]
        with self._lock:
            for task in reversed(requeue):  # at the front, in their order
                (self._urgent if task.urgent else self._queued).appendleft(task)
            self._counts.requeued += len(requeue)
            self._counts.recorded_lost += len(recorded)
            closed = self._closed
        if closed:  # close() has failed what it knew of; these were in no list then
            self._fail_everything(FuelError("the worker pool is closed"), tuple(requeue))
        for task in recorded:
            deliver(task, lost_result(task.loss, tuple(task.lost_on), task.timeout_s))
        self._dispatch()

    def _make_here(self, task: Task) -> None:
        """Make an ordered test's program on the driver, as its lost actor would have,
        so that it can be sent again as a program (or recorded, lost for good)."""
        assert task.order is not None and self._maker is not None  # only ordered tasks
        made = make_program(self._maker, task.order.request, task.order.rules)
        if isinstance(made, Made) and made.spec is not None:
            task.order.made = made
            task.spec = made.spec
        else:  # refused, or it did not load: settled without a run
            deliver(task, made)

    def _fail_everything(self, error: FuelError, more: tuple[Task, ...] = ()) -> None:
        with self._lock:
            self._closed = True
            waiting = [*self._urgent, *self._queued, *more]
            waiting += [t for a in self._actors.values() for t in a.running.values()]
            self._urgent.clear()
            self._queued.clear()
        for task in waiting:
            if not task.future.done():
                if not task.started:
                    task.future.set_running_or_notify_cancel()
                task.future.set_exception(error)

    # ------------------------------------------------------------ placing actors
    def _reconcile(self) -> None:
        """Follow the cluster: forget the actors of nodes that left, start one on every
        live node that has none (a node that joined, or a replacement)."""
        nodes = ray.nodes()
        alive = {str(node["NodeID"]) for node in nodes if node.get("Alive")}
        with self._lock:
            for node_id, tally in self._nodes.items():
                tally.alive = node_id in alive
            gone = [a for node_id, a in self._actors.items() if node_id not in alive]
        for actor in gone:
            self._lose(actor, Loss.DIED, "its node left the cluster")
        for seat in seats(nodes, self.settings):
            with self._lock:
                if self._closed:
                    return
                if self._may_start_on(seat.node_id):
                    self._start(seat)
        self._reconcile_at = time.monotonic() + RECONCILE_S  # set last: see wait_ready

    def _may_start_on(self, node_id: str) -> bool:
        return (
            node_id not in self._actors
            and not self._given_up(node_id)
            and not (self._lost_recently(node_id))
        )

    def _waiting_to_retry(self, node_id: str) -> bool:
        return self._lost_recently(node_id) and not self._given_up(node_id)

    def _lost_recently(self, node_id: str) -> bool:
        lost_at = self._lost_at.get(node_id)
        return lost_at is not None and time.monotonic() - lost_at < REPLACE_AFTER_S

    def _given_up(self, node_id: str) -> bool:
        return self._failures.get(node_id, 0) >= MAX_FAILURES_PER_NODE

    def _start(self, seat: Seat) -> None:
        options: dict[str, object] = {
            "num_cpus": seat.workers,
            "max_concurrency": seat.workers + 2,  # a test per worker, and ready/close
            "max_restarts": 0,  # the driver places replacements itself
            "scheduling_strategy": NodeAffinitySchedulingStrategy(seat.node_id, soft=False),
        }
        if self.settings.device == "cuda":
            options["num_gpus"] = seat.workers
        threads = threads_per_worker(seat, self.pool_settings)
        settings = replace(self.pool_settings, threads_per_worker=threads)
        handle: Handle = RemoteNodeWorkers.options(**options).remote(
            settings, seat.workers, self._maker_ref
        )
        actor = Actor(seat, handle)
        self._actors[seat.node_id] = actor
        self._refs[actor.ready_ref] = (actor, None)
        self._nodes.setdefault(seat.node_id, NodeTally(seat.address))
        self._counts.actors_started += 1

    def _running_on(self, node_id: str) -> int:
        actor = self._actors.get(node_id)
        return len(actor.running) if actor is not None else 0

    def _workers_on(self, node_id: str) -> int:
        actor = self._actors.get(node_id)
        return actor.seat.workers if actor is not None and actor.ready else 0


def one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[-1] if lines else ''}"[:300]
