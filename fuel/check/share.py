"""Worker time by use, and the bound on how much of it reducing bugs may take.

A campaign's workers do two things: fuzz (the campaign's own tests) and reduce the
new bugs it finds (the bug thread's checks: reduction candidates, the backend
bisection). Reduction used to take a worker whenever it asked, ahead of the tests, so
on one worker a new bug stopped fuzzing for a minute or two. :class:`ShareGate` is the
runner the bug thread checks through: it paces reduction so that it takes at most
``MAX_REDUCTION_SHARE`` of the workers' time, and fuzzing resumes between its steps.

Pacing rule: after a reduction run of ``d`` worker-seconds on a pool of ``n`` workers,
the next one starts no sooner than ``d / (share * n) - d`` seconds later. Over each
step and its pause, reduction then holds ``d`` of the ``n * d / (share * n)`` worker-
seconds the pool had, that is ``share`` of them, whatever the steps' lengths; with
three workers or more (one bug thread, one run at a time) it needs no pause at all.
The gate's :meth:`ShareGate.clock` stops while it waits, so that a reduction's time
limit counts the reduction's own time, not its pauses.

:class:`WorkerTime` adds up the worker-seconds of each use (what ``RunResult.seconds``
says a run took) for the display and ``fuel status``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from fuel.check.checker import Runner
from fuel.execute.records import CompileOptions, RunResult
from fuel.program import ProgramSpec

# Reduction may take a third of the workers' time: a new bug is worth a reduced,
# reported program, but a campaign finds most of its bugs by testing, and with the
# bugs of a young campaign coming every few minutes, more would let reduction
# (30-70 worker-seconds a bug) crowd out the tests that find the next ones.
MAX_REDUCTION_SHARE = 1 / 3
FUZZING, REDUCING = "fuzzing", "reducing"
CONFIRMING = "confirming"  # repros run in fresh interpreters, beside the workers
T = TypeVar("T")


class WorkerTime:
    """Worker-seconds per use, added from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds: dict[str, float] = {FUZZING: 0.0, REDUCING: 0.0, CONFIRMING: 0.0}

    def add(self, use: str, seconds: float) -> None:
        with self._lock:
            self._seconds[use] = self._seconds.get(use, 0.0) + seconds

    def seconds(self, use: str) -> float:
        with self._lock:
            return self._seconds.get(use, 0.0)


class Metered:
    """A runner whose runs' worker-seconds are added to ``meter`` under ``use``."""

    def __init__(self, runner: Runner, meter: WorkerTime, use: str = FUZZING) -> None:
        self.runner = runner
        self.meter = meter
        self.use = use

    def run(
        self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None
    ) -> RunResult:
        result = self.runner.run(spec, options, timeout_s)
        self.meter.add(self.use, result.seconds)
        return result

    def submit(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> Future[RunResult]:
        future = self.runner.submit(spec, options, timeout_s, coverage)
        future.add_done_callback(self._count)
        return future

    def _count(self, done: Future[RunResult]) -> None:
        if not done.cancelled() and done.exception() is None:
            self.meter.add(self.use, done.result().seconds)


def pause_after(seconds: float, workers: int, share: float = MAX_REDUCTION_SHARE) -> float:
    """How long the next reduction run waits after one of ``seconds`` (the pacing rule)."""
    return max(0.0, seconds / (share * max(1, workers)) - seconds)


class ShareGate(Metered):
    """The bug thread's runner: reduction, metered and paced to its share (see above).
    Only ``run`` and ``hold`` are paced: the bug thread checks one program at a time,
    blocking.

    ``open()`` lifts the pacing for good: once the campaign has stopped testing, its
    remaining bugs may take every worker."""

    def __init__(
        self,
        runner: Runner,
        meter: WorkerTime,
        workers: int,
        share: float = MAX_REDUCTION_SHARE,
    ) -> None:
        super().__init__(runner, meter, REDUCING)
        self.workers = workers
        self.share = share
        self._opened = threading.Event()
        self._next_at = 0.0  # time.monotonic() when the next run may start
        self._waited = 0.0  # seconds spent waiting, taken off ``clock``
        self._waited_lock = threading.Lock()

    def open(self) -> None:
        self._opened.set()

    def clock(self) -> float:
        """Monotonic seconds that stand still while the gate makes reduction wait."""
        with self._waited_lock:
            return time.monotonic() - self._waited

    def run(
        self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None
    ) -> RunResult:
        self._wait_turn()
        result = super().run(spec, options, timeout_s)
        self._next_at = time.monotonic() + pause_after(result.seconds, self.workers, self.share)
        return result

    def hold(self, work: Callable[[], T]) -> T:
        """Run ``work`` (bug processing outside the pool that takes a core as a worker
        would: a repro's fresh interpreter) paced like a run, its seconds counted under
        ``CONFIRMING`` (they are not a worker's)."""
        self._wait_turn()
        start = time.monotonic()
        try:
            return work()
        finally:
            seconds = time.monotonic() - start
            self.meter.add(CONFIRMING, seconds)
            self._next_at = time.monotonic() + pause_after(seconds, self.workers, self.share)

    def _wait_turn(self) -> None:
        pause = self._next_at - time.monotonic()
        if pause <= 0 or self._opened.is_set():
            return
        start = time.monotonic()
        self._opened.wait(pause)
        with self._waited_lock:
            self._waited += time.monotonic() - start
