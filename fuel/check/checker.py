"""Load → run → judge, blocking or in flight.

A program that does not load (syntax, no model, the static check) becomes a
``rejected`` verdict without a run. A verdict that ORACLE.md wants confirmed (a
timeout, which may be load; a half-precision mismatch, which emulating the casts may
remove) gets a second run here, planned and concluded by :mod:`fuel.judge.rerun`. An
error in fuel's own code while judging becomes a ``skipped`` verdict whose
``fuel_error`` names it, so one bad program never stops a run over many, and the
campaign can count fuel's own failures.
"""

from __future__ import annotations

import traceback
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from fuel.errors import Rejected
from fuel.execute.records import CompileOptions, RunResult
from fuel.judge.judge import judge
from fuel.judge.rerun import Rerun, rerun_for, settle
from fuel.judge.verdict import Outcome, Verdict
from fuel.program import Program, ProgramSpec, load_program, read_program


class Runner(Protocol):
    """What runs a loaded program: the warm pool (``fuel.execute.pool.WorkerPool``)."""

    def run(
        self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None
    ) -> RunResult: ...

    def submit(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
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

    def run(
        self, program: Program, options: CompileOptions | None = None, *, second_look: bool = False
    ) -> Checked:
        """Check one program now (ahead of submitted ones); blocks until judged.

        Triage's many checks (reduction candidates, bisection, replay) ask only whether a
        program still shows a bug, so by default they take no second look: a timeout
        would cost ``fuel.judge.rerun.SLOW_FACTOR`` times the limit per candidate. A
        caller that wants the final verdict passes ``second_look=True``, as
        :meth:`submit` does."""
        chosen = options or self.options
        loaded = self._load(program)
        if isinstance(loaded, Checked):
            return loaded
        first = self._conclude(program, loaded, self.runner.run(loaded, chosen, self.timeout_s),
                               chosen)  # fmt: skip
        again = self._rerun_for(first, chosen) if second_look else None
        if again is None:
            return first
        second = self._conclude(program, loaded,
                                self.runner.run(loaded, again.options, again.timeout_s),
                                again.options)  # fmt: skip
        return _settled(first, second, again)

    def submit(
        self, program: Program, options: CompileOptions | None = None, *, coverage: bool = False
    ) -> Future[Checked]:
        """Check one program when a worker is free; the future holds its final verdict,
        second look included (see :mod:`fuel.judge.rerun`). ``coverage``: measure the
        compiled phase's line coverage (the second look never does)."""
        chosen = options or self.options
        loaded = self._load(program)
        if isinstance(loaded, Checked):
            return _done(loaded)
        run = self.runner.submit(loaded, chosen, self.timeout_s, coverage)
        pending = Pending(run)

        def finish(done: Future[RunResult]) -> None:
            if done.cancelled():
                return
            try:
                result = done.result()
            except BaseException as error:  # the pool failed (closed, no worker starts)
                pending.set_exception(error)
                return
            first = self._conclude(program, loaded, result, chosen)
            again = self._rerun_for(first, chosen)
            if again is None:
                pending.set_result(first)
                return

            def settle(second_run: Future[RunResult]) -> None:
                try:
                    second = self._conclude(program, loaded, second_run.result(), again.options)
                except BaseException:  # the second look failed: the first verdict stands
                    pending.set_result(first)
                    return
                pending.set_result(_settled(first, second, again))

            try:
                self.runner.submit(loaded, again.options, again.timeout_s).add_done_callback(
                    settle
                )
            except BaseException:  # the pool is closing: the first verdict stands
                pending.set_result(first)

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

    def _rerun_for(self, checked: Checked, options: CompileOptions) -> Rerun | None:
        if checked.result is None or checked.verdict.fuel_error:
            return None
        return rerun_for(checked.verdict, checked.result, options, self.timeout_s)

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


def _settled(first: Checked, second: Checked, rerun: Rerun) -> Checked:
    """The first check, its verdict settled by the second look (see fuel.judge.rerun)."""
    if second.verdict.fuel_error:  # fuel failed on the second look: the first stands
        return first
    return replace(first, verdict=settle(first.verdict, second.verdict, rerun))


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
