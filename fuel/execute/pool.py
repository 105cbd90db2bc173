"""The pool: long-lived worker processes, each with torch imported and warm.

Workers are forked from a warm zygote (:mod:`fuel.execute.zygote`), so a new one is
ready in well under a second. A job goes to an idle worker over a socketpair; phase
announcements and outcomes come back as they happen, so when a worker segfaults,
hangs or is killed the pool still knows which phase it died in. Dead workers are
replaced, workers are recycled after a number of jobs to bound memory growth, and
closing the pool (also on Ctrl-C) kills every worker's process group and removes
every temporary directory.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

from fuel.errors import FuelError
from fuel.execute import protocol, sandbox
from fuel.execute.records import CompileOptions, ExitStatus, Job, Phase, RunOutcome, RunResult
from fuel.execute.spawn import ROOT_PREFIX, Zygote, tail
from fuel.program.record import ProgramSpec

STDERR_TAIL_BYTES = 4000


@dataclass(frozen=True, slots=True)
class PoolSettings:
    workers: int = 1
    timeout_s: float = 60.0
    memory_mb: int = 4096
    recycle_after: int = 200
    coverage: bool = False
    device: str = "cpu"
    sandbox: bool = True
    threads_per_worker: int = 0  # 0: the cores divided among the workers
    start_timeout_s: float = 300.0

    def threads(self) -> int:
        if self.threads_per_worker > 0:
            return self.threads_per_worker
        return max(1, (os.cpu_count() or 1) // max(1, self.workers))


def remove_stale_roots() -> None:
    """Delete worker directories left by pools whose process no longer exists."""
    for path in Path(tempfile.gettempdir()).glob(f"{ROOT_PREFIX}*"):
        owner = path.name[len(ROOT_PREFIX) :].split("-")[0]
        if owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WorkerProcess:
    """The pool's handle on one worker, forked by the zygote when first needed."""

    def __init__(self, index: int, settings: PoolSettings, zygote: Zygote) -> None:
        self.index = index
        self.settings = settings
        self.zygote = zygote
        self.jobs_done = 0
        self.pid = 0
        self.hello: protocol.Hello | None = None
        self.killed_by_us = False
        self.root = Path(tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{os.getpid()}-{index}-"))
        self.conn: Connection | None = None

    @property
    def alive(self) -> bool:
        if self.pid == 0:
            return True  # not started yet: nothing has died
        return not self.zygote.has_exited(self.pid) and _alive(self.pid)

    def wait_ready(self) -> None:
        if self.hello is not None:
            return
        ours, theirs = socket.socketpair()
        self.conn = Connection(ours.detach())
        try:
            self.pid = self.zygote.spawn(self.root, theirs.fileno(), self.settings.start_timeout_s)
        finally:
            theirs.close()
        if not self.conn.poll(self.settings.start_timeout_s):
            self.kill()
            raise FuelError(f"a worker did not start in {self.settings.start_timeout_s:.0f} s")
        try:
            message = protocol.receive(self.conn)
        except (EOFError, OSError):
            lines = self.stderr_tail().strip().splitlines()
            raise FuelError(f"a worker failed to start: {lines[-1] if lines else '?'}") from None
        assert isinstance(message, protocol.Hello)
        self.hello = message

    def run(self, job: Job, timeout_s: float) -> RunResult:
        self.wait_ready()
        assert self.conn is not None
        self.jobs_done += 1
        start = time.monotonic()
        protocol.send(self.conn, job)
        outcomes: list[RunOutcome] = []
        phase: Phase | None = None
        while True:
            remaining = timeout_s - (time.monotonic() - start)
            if remaining <= 0:
                result = self._ended(ExitStatus.TIMEOUT, outcomes, phase, start)
                self.kill()
                return result
            try:
                if not self.conn.poll(min(remaining, 0.5)):
                    if not self.alive:
                        return self._died(outcomes, phase, start)
                    continue
                message = protocol.receive(self.conn)
            except (EOFError, OSError):
                return self._died(outcomes, phase, start)
            if isinstance(message, protocol.PhaseStarted):
                phase = message.phase
            elif isinstance(message, protocol.PhaseDone):
                outcomes.append(message.outcome)
            elif isinstance(message, protocol.JobTail):
                return self._completed(message, outcomes, start)
            elif isinstance(message, protocol.WorkerFailed):
                return self._ended(
                    ExitStatus.WORKER_ERROR, outcomes, phase, start, detail=message.message,
                    fuel_traceback=message.traceback,
                )

    def _completed(
        self, tail: protocol.JobTail, outcomes: list[RunOutcome], start: float
    ) -> RunResult:
        return RunResult(
            exit=ExitStatus.COMPLETED,
            outcomes=tuple(outcomes),
            setup_failure=tail.setup_failure,
            probe=tail.probe,
            coverage=tail.coverage,
            stdout=tail.stdout,
            sandbox_violations=tail.sandbox_violations,
            seconds=time.monotonic() - start,
            worker_pid=self.pid,
            memory_limit_mb=self.settings.memory_mb,
        )

    def _died(self, outcomes: list[RunOutcome], phase: Phase | None, start: float) -> RunResult:
        code = self.zygote.exit_status(self.pid, timeout_s=10)
        if code is None:  # still running with its socket closed, or the zygote is gone
            self._signal_group()
            code = self.zygote.exit_status(self.pid, timeout_s=5)
        signal_number = -code if code is not None and code < 0 else None
        status = ExitStatus.CRASHED
        if signal_number == signal.SIGKILL and not self.killed_by_us:
            status = ExitStatus.OOM
        return self._ended(
            status, outcomes, phase, start, signal_number=signal_number, exit_code=code
        )

    def _ended(
        self,
        status: ExitStatus,
        outcomes: list[RunOutcome],
        phase: Phase | None,
        start: float,
        *,
        signal_number: int | None = None,
        exit_code: int | None = None,
        detail: str = "",
        fuel_traceback: str = "",
    ) -> RunResult:
        return RunResult(
            exit=status,
            outcomes=tuple(outcomes),
            died_in=phase,
            signal=signal_number,
            exit_code=exit_code,
            seconds=time.monotonic() - start,
            worker_pid=self.pid,
            stderr_tail=self.stderr_tail(),
            detail=detail,
            fuel_traceback=fuel_traceback,
            memory_limit_mb=self.settings.memory_mb,
        )

    def stderr_tail(self) -> str:
        return tail(self.root / "stderr.log", STDERR_TAIL_BYTES)

    def stop(self) -> None:
        """Ask the worker to leave; kill it if it does not within a few seconds."""
        if self.conn is not None and self.pid and self.alive:
            with contextlib.suppress(OSError):
                protocol.send(self.conn, protocol.Shutdown())
                self.zygote.exit_status(self.pid, timeout_s=5)
        self.kill()

    def _signal_group(self) -> None:
        self.killed_by_us = True
        for kill in (os.killpg, os.kill):  # killpg fails if it has not called setsid yet
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(self.pid, signal.SIGKILL)

    def kill(self) -> None:
        """Kill the worker's process group (its compiler children too) and clean up."""
        if self.pid and self.alive:
            self._signal_group()
            self.zygote.exit_status(self.pid, timeout_s=10)
        if self.conn is not None:
            self.conn.close()
        shutil.rmtree(self.root, ignore_errors=True)


class IdleWorkers:
    """Idle workers, handed out with one priority rule: a blocking ``run`` (a bug being
    reduced while the campaign goes on) gets the next free worker before the jobs
    queued by ``submit``. A plain queue would let the pool's own threads, which take a
    worker again the moment they return one, starve an outside caller for minutes."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._workers: collections.deque[WorkerProcess] = collections.deque()
        self._urgent_waiting = 0

    def put(self, worker: WorkerProcess) -> None:
        with self._ready:
            self._workers.append(worker)
            self._ready.notify_all()

    def take(self, urgent: bool) -> WorkerProcess:
        with self._ready:
            self._urgent_waiting += urgent
            try:
                while not self._workers or (self._urgent_waiting and not urgent):
                    self._ready.wait()
                return self._workers.popleft()
            finally:
                self._urgent_waiting -= urgent
                if urgent and self._workers:  # others may now take the ones left
                    self._ready.notify_all()


class WorkerPool:
    """N warm workers behind a blocking ``run`` and a future-returning ``submit``."""

    def __init__(self, settings: PoolSettings) -> None:
        if settings.workers < 1:
            raise FuelError("the pool needs at least one worker")
        remove_stale_roots()
        if settings.sandbox:
            sandbox.note_missing_landlock()
        self.settings = settings
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._closed = False
        self._idle = IdleWorkers()
        self._workers: list[WorkerProcess] = []
        self._zygote = self._new_zygote()
        for index in range(settings.workers):
            self._idle.put(self._spawn(index))
        self._executor = ThreadPoolExecutor(settings.workers, thread_name_prefix="fuel-pool")

    def _new_zygote(self) -> Zygote:
        s = self.settings
        return Zygote(
            threads=s.threads(), memory_mb=s.memory_mb, coverage=s.coverage, sandbox=s.sandbox
        )

    def _spawn(self, index: int) -> WorkerProcess:
        with self._lock:
            if self._zygote.dead and not self._closed:
                self._zygote.close()
                self._zygote = self._new_zygote()
            worker = WorkerProcess(index, self.settings, self._zygote)
            self._workers.append(worker)
        return worker

    @property
    def torch_version(self) -> str:
        self._zygote.wait_ready(self.settings.start_timeout_s)
        return self._zygote.torch_version

    def wait_ready(self) -> protocol.Hello:
        """Block until every worker has started; the first worker's hello."""
        hellos = []
        for worker in list(self._workers):
            worker.wait_ready()
            assert worker.hello is not None
            hellos.append(worker.hello)
        return hellos[0]

    def run(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> RunResult:
        """Run one program on the next idle worker, ahead of submitted jobs; blocks
        until it has a result.

        ``timeout_s`` overrides the pool's per-test timeout for this run only;
        ``coverage`` asks for the compiled phase's line coverage (a pool started with
        ``coverage``)."""
        return self._run(spec, options, timeout_s, coverage, urgent=True)

    def submit(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> Future[RunResult]:
        return self._executor.submit(self._run, spec, options, timeout_s, coverage, False)

    def _run(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None,
        coverage: bool,
        urgent: bool,
    ) -> RunResult:
        if self._closed:
            raise FuelError("the worker pool is closed")
        worker = self._idle.take(urgent)
        try:
            job = Job(next(self._ids), spec, options, coverage)
            result = worker.run(job, timeout_s or self.settings.timeout_s)
            return replace(result, notes=spec.notes())
        finally:
            self._idle.put(self._renewed(worker))

    def _renewed(self, worker: WorkerProcess) -> WorkerProcess:
        if self._closed or (worker.alive and worker.jobs_done < self.settings.recycle_after):
            return worker
        worker.stop()
        with self._lock:
            self._workers.remove(worker)
        return self._spawn(worker.index)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.kill()
        self._zygote.close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
