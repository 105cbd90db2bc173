"""Load → run → judge, blocking or in flight.

A program that does not load (syntax, no model, the static check) becomes a
``rejected`` verdict without a run. A verdict that ORACLE.md wants confirmed (a
timeout, which may be load; a half-precision mismatch, which emulating the casts may
remove) gets a second run here, planned and concluded by :mod:`fuel.judge.rerun`. An
error in fuel's own code while judging becomes a ``skipped`` verdict whose
``fuel_error`` names it, so one bad program never stops a run over many, and the
campaign can count fuel's own failures.

A runner may also make the programs it runs (a :class:`Maker`: a Ray cluster's nodes
make the built-in generator's programs from their requests, sparing the driver's
CPU). It generates and loads each by the same rules as here (:class:`LoadRules`),
runs it, and returns the program with its result (:class:`Made`); the judging, the
second look and what the campaign records are then the same as for a program made here.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

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
class LoadRules:
    """How programs are loaded before they run: the checker's rules, sent to a runner
    that makes and loads programs itself."""

    allow_unsafe: bool  # no static check (``--allow-unsafe``)
    device: str  # the device programs are moved to

    def load(self, program: Program) -> ProgramSpec:
        """The loaded program; raises ``Rejected`` (one line) when it does not load."""
        return load_program(program, allow_unsafe=self.allow_unsafe, device=self.device)


@dataclass(frozen=True, slots=True)
class Made:
    """A program a runner made from a request, loaded and ran (a cluster's node)."""

    program: Program
    spec: ProgramSpec | None  # None: it did not load, ``rejected`` says why
    result: RunResult | None  # None when it did not load
    rejected: str = ""
    generate_seconds: float = 0.0  # making it, where it was made


R = TypeVar("R", contravariant=True)
T = TypeVar("T")


@runtime_checkable
class Maker(Protocol[R]):
    """A runner that makes the programs it runs from generation requests (``R``)."""

    @property
    def makes_programs(self) -> bool:
        """Whether it was given a generator to make programs with."""
        ...

    def submit_request(
        self,
        request: R,
        options: CompileOptions,
        timeout_s: float | None,
        rules: LoadRules,
        coverage: bool = False,
    ) -> Future[Made]:
        """Make, load and run the program of ``request`` when a worker is free. The
        future raises ``Rejected`` when the generator refused the request, and
        ``FuelError`` when the generator failed."""
        ...


@dataclass(frozen=True, slots=True)
class Checked:
    """One program's verdict, with what it came from (no spec or result when rejected)."""

    program: Program
    verdict: Verdict
    spec: ProgramSpec | None = None
    result: RunResult | None = None
    fuel_traceback: str = ""  # where fuel's own code failed, when ``verdict.fuel_error``
    generate_seconds: float = 0.0  # making the program, when the runner made it


class Pending(Future[Checked]):
    """A check in flight. Cancelling it cancels the run, if that has not started."""

    def __init__(self, run: Future[Any]) -> None:
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

        def finish(pending: Pending, result: RunResult) -> None:
            self._judge_into(pending, self._conclude(program, loaded, result, chosen), chosen)

        return _pending(run, finish)

    @property
    def load_rules(self) -> LoadRules:
        return LoadRules(allow_unsafe=not self.static_check, device=self.options.home_device)

    def submit_request(
        self,
        maker: Maker[R],
        request: R,
        options: CompileOptions | None = None,
        *,
        coverage: bool = False,
    ) -> Future[Checked]:
        """:meth:`submit` for a program ``maker`` makes from ``request`` where it runs
        it. The future raises ``Rejected`` when the generator refused the request."""
        chosen = options or self.options
        made_run = maker.submit_request(request, chosen, self.timeout_s, self.load_rules,
                                        coverage)  # fmt: skip

        def finish(pending: Pending, made: Made) -> None:
            if made.spec is None or made.result is None:
                verdict = Verdict(Outcome.REJECTED, detail=made.rejected)
                pending.set_result(Checked(made.program, verdict,
                                           generate_seconds=made.generate_seconds))  # fmt: skip
                return
            first = self._conclude(made.program, made.spec, made.result, chosen)
            self._judge_into(pending, replace(first, generate_seconds=made.generate_seconds),
                             chosen)  # fmt: skip

        return _pending(made_run, finish)

    def _judge_into(self, pending: Future[Checked], first: Checked, chosen: CompileOptions) -> None:
        """Settle ``pending`` with ``first``, after a second look where one is due."""
        again = self._rerun_for(first, chosen)
        if again is None or first.spec is None:
            pending.set_result(first)
            return
        program, loaded = first.program, first.spec

        def settle(second_run: Future[RunResult]) -> None:
            try:
                second = self._conclude(program, loaded, second_run.result(), again.options)
            except BaseException:  # the second look failed: the first verdict stands
                pending.set_result(first)
                return
            pending.set_result(_settled(first, second, again))

        try:
            self.runner.submit(loaded, again.options, again.timeout_s).add_done_callback(settle)
        except BaseException:  # the pool is closing: the first verdict stands
            pending.set_result(first)

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
            return self.load_rules.load(program)
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


def _pending(run: Future[T], finish: Callable[[Pending, T], None]) -> Pending:
    """A check that ``finish`` settles with the run's value; the run's own failure
    (the pool closed, the generator refused or failed) is the check's."""
    pending = Pending(run)

    def on_done(done: Future[T]) -> None:
        if done.cancelled():
            return
        try:
            value = done.result()
        except BaseException as error:
            pending.set_exception(error)
            return
        finish(pending, value)

    run.add_done_callback(on_done)
    return pending
