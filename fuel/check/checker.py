"""Load → run → judge, blocking or in flight.

A program that does not load (syntax, no model, the static check) becomes a
``rejected`` verdict without a run. An error in fuel's own code while judging becomes
a ``skipped`` verdict whose ``fuel_error`` names it, so one bad program never stops a
run over many, and the campaign can count fuel's own failures.
"""

from __future__ import annotations

import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fuel.errors import Rejected
from fuel.execute.records import CompileOptions, RunResult
from fuel.judge.judge import judge
from fuel.judge.verdict import Outcome, Verdict
from fuel.program import Program, ProgramSpec, load_program, read_program


class Runner(Protocol):
    """What runs a loaded program: the warm pool (``fuel.execute.pool.WorkerPool``)."""

    def run(
        self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None
    ) -> RunResult: ...

    def submit(
        self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None
    ) -> Future[RunResult]: ...


@dataclass(frozen=True, slots=True)
class Checked:
    """One program's verdict, with what it came from (no spec or result when rejected)."""

    program: Program
    verdict: Verdict
    spec: ProgramSpec | None = None
    result: RunResult | None = None
    fuel_traceback: str = ""  # where fuel's own code failed, when ``verdict.fuel_error``


class Pending(Future[Checked]):
    """A check in flight. Cancelling it cancels the run, if that has not started."""

    def __init__(self, run: Future[RunResult]) -> None:
        super().__init__()
        self._run = run

    def cancel(self) -> bool:
        if not self._run.cancel():
            return False
        super().cancel()
        self.set_running_or_notify_cancel()
        return True


class Checker:
    def __init__(
        self,
        runner: Runner,
        options: CompileOptions,
        *,
        static_check: bool = True,
        timeout_s: float | None = None,
    ) -> None:
        self.runner = runner
        self.options = options
        self.static_check = static_check
        self.timeout_s = timeout_s  # None: the runner's own limit

    def run(self, program: Program, options: CompileOptions | None = None) -> Checked:
        """Check one program now (ahead of submitted ones); blocks until judged."""
        chosen = options or self.options
        loaded = self._load(program)
        if isinstance(loaded, Checked):
            return loaded
        return self._conclude(program, loaded, self.runner.run(loaded, chosen, self.timeout_s),
                              chosen)  # fmt: skip

    def submit(self, program: Program, options: CompileOptions | None = None) -> Future[Checked]:
        """Check one program when a worker is free; the future holds its verdict."""
        chosen = options or self.options
        loaded = self._load(program)
        if isinstance(loaded, Checked):
            return _done(loaded)
        run = self.runner.submit(loaded, chosen, self.timeout_s)
        pending = Pending(run)

        def finish(done: Future[RunResult]) -> None:
            if done.cancelled():
                return
            try:
                result = done.result()
            except BaseException as error:  # the pool failed (closed, no worker starts)
                pending.set_exception(error)
                return
            pending.set_result(self._conclude(program, loaded, result, chosen))

        run.add_done_callback(finish)
        return pending

    def submit_file(self, path: Path) -> Future[Checked]:
        """:meth:`submit` for a program in a file; an unreadable file is rejected."""
        try:
            return self.submit(read_program(path))
        except Rejected as rejected:
            unread = Program("", path.stem)
            return _done(Checked(unread, Verdict(Outcome.REJECTED, detail=rejected.reason)))

    def verdict_of(self, source: str) -> Verdict:
        """The verdict on a program text (the reducer's and replay's judging callable)."""
        return self.run(Program(source, "candidate")).verdict

    def _load(self, program: Program) -> ProgramSpec | Checked:
        try:
            return load_program(
                program, allow_unsafe=not self.static_check, device=self.options.home_device
            )
        except Rejected as rejected:
            return Checked(program, Verdict(Outcome.REJECTED, detail=rejected.reason))

    @staticmethod
    def _conclude(
        program: Program, spec: ProgramSpec, result: RunResult, options: CompileOptions
    ) -> Checked:
        try:
            verdict = judge(result, options)
        except Exception as error:  # fuel's own bug: one skipped test, not a stopped run
            return Checked(program, judging_failed(error), spec, result, traceback.format_exc())
        return Checked(program, verdict, spec, result, result.fuel_traceback)


def _done(checked: Checked) -> Future[Checked]:
    future: Future[Checked] = Future()
    future.set_result(checked)
    return future


def judging_failed(error: Exception) -> Verdict:
    where = traceback.extract_tb(error.__traceback__)[-1:]
    at = f" at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno}" if where else ""
    what = f"{type(error).__name__}: {error}"[:300]
    return Verdict(Outcome.SKIPPED, detail=f"fuel failed to judge this test ({what}{at})",
                   fuel_error=what)  # fmt: skip
