"""The driver: runs the passes to a fixed point, within a time limit.

It follows Hypothesis's shrinker. The original is judged first, twice, to make sure
it shows the bug at all and does so reliably (a flaky bug would lead the reduction
anywhere). Then the structural passes (:data:`fuel.reduce.passes.STRUCTURE`) run in
turn, proposing candidates through :meth:`Shrinker.attempt`, until a whole sweep
changes nothing; then the polish passes (:data:`~fuel.reduce.passes.POLISH`) run
once, and the structural ones again if the polish changed anything. A candidate is
kept only when it is strictly simpler by :func:`fuel.reduce.simpler.simpler_key`
and shows the same bug by :func:`fuel.judge.signature.same_bug`. Candidates are
cached by the hash of their syntax, and those that cannot run (a name used but no
longer defined) are refused statically, before they cost a compile. Each pass
keeps its own statistics.
"""

from __future__ import annotations

import ast
import enum
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fuel.judge.signature import same_bug
from fuel.judge.verdict import Verdict
from fuel.program import syntax
from fuel.reduce import scope
from fuel.reduce.simpler import Size, measure, simpler_key

# The target: a typical bug reduced within two minutes on a two-core machine.
# By then the structural passes have long finished; what is left is polish of
# constants, and a campaign waiting on its next bug needs the worker back.
TIME_LIMIT_S = 120.0
# The original is judged this many times before shrinking. Two runs catch most flaky
# bugs (timing, uninitialised memory) at the price of one more run; a flaky bug would
# otherwise let the reducer keep candidates that only happened to show it.
FLAKE_CHECK_RUNS = 2

Pass = Callable[["Shrinker"], None]
# The verdict on a candidate's source: the reducer's only door to running programs
# (``fuel.check.Checker.verdict_of`` in fuel; a crafted function in tests).
Judge = Callable[[str], Verdict]


class ExitReason(str, enum.Enum):
    FIXED_POINT = "fixed point: no pass shrinks it further"
    TIME_LIMIT = "time limit reached"
    CALL_LIMIT = "candidate limit reached"
    NOT_REPRODUCED = "the original does not show the bug"
    FLAKY = "the original shows the bug only sometimes"


class OutOfBudget(Exception):
    """Raised inside a pass when time or candidates run out; the driver catches it."""

    def __init__(self, reason: ExitReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(slots=True)
class PassStats:
    name: str
    calls: int = 0  # candidates judged (each a run on a worker)
    shrinks: int = 0  # candidates kept
    cached: int = 0  # candidates seen before: answered from the cache
    refused: int = 0  # candidates refused statically (they could not run)
    seconds: float = 0.0

    def line(self) -> str:
        return (f"{self.name:24} {self.shrinks:3} kept of {self.calls:3} judged, "
                f"{self.refused:3} refused statically, {self.cached:3} cached, "
                f"{self.seconds:6.1f} s")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reduction:
    original: str
    reduced: str
    target: Verdict | None  # the bug being kept (None when the original showed none)
    verdict: Verdict | None  # the reduced program's verdict
    reason: ExitReason
    before: Size
    after: Size
    seconds: float
    calls: int
    passes: tuple[PassStats, ...] = ()
    detail: str = ""
    history: tuple[tuple[float, int], ...] = ()  # (seconds, statements in forward) kept

    @property
    def reproduced(self) -> bool:
        return self.reason not in (ExitReason.NOT_REPRODUCED, ExitReason.FLAKY)

    def seconds_to(self, statements: int) -> float | None:
        """When forward first had at most ``statements`` statements (None: never)."""
        if self.before.forward_statements <= statements:
            return 0.0
        return next((s for s, n in self.history if n <= statements), None)


@dataclass(slots=True)
class Shrinker:
    """The state passes work on: the current program and the one way to change it."""

    original: str
    judge: Judge
    passes: Sequence[Pass]
    target: Verdict | None = None
    polish: Sequence[Pass] = ()  # run once each time ``passes`` reach a fixed point
    time_limit_s: float = TIME_LIMIT_S
    call_limit: int | None = None
    clock: Callable[[], float] = time.monotonic
    current: str = ""
    verdict: Verdict | None = None
    calls: int = 0
    cache: dict[str, bool] = field(default_factory=dict)
    stats: dict[str, PassStats] = field(default_factory=dict)
    active: PassStats = field(default_factory=lambda: PassStats("check"))
    history: list[tuple[float, int]] = field(default_factory=list)
    _key: tuple[object, ...] = ()
    _deadline: float = 0.0
    _start: float = 0.0

    def tree(self) -> ast.Module:
        """A fresh parse of the current program, for a pass to edit."""
        return syntax.parse(self.current)

    def attempt(self, candidate: ast.Module | str | None) -> bool:
        """Keep ``candidate`` if it is simpler and shows the same bug; say whether it did."""
        if candidate is None:
            return False
        if not isinstance(candidate, str):
            syntax.fill_empty_bodies(candidate)
            candidate = syntax.render(candidate)
        key = simpler_key(candidate)
        if key >= self._key:
            return False
        digest = syntax.digest(candidate)
        if digest in self.cache:
            self.active.cached += 1
            return False  # kept candidates become current, so a cached one was refused
        tree = syntax.parse(candidate)
        if scope.problems(tree):
            self.active.refused += 1
            self.cache[digest] = False
            return False
        self._check_budget()
        self.calls += 1
        self.active.calls += 1
        verdict = self.judge(candidate)
        kept = self.target is not None and same_bug(self.target, verdict)
        self.cache[digest] = kept
        if kept:
            self.active.shrinks += 1
            self.current, self._key, self.verdict = candidate, key, verdict
            self.history.append((round(self.clock() - self._start, 2), int(key[0])))
        return kept

    def _check_budget(self) -> None:
        if self.clock() >= self._deadline:
            raise OutOfBudget(ExitReason.TIME_LIMIT)
        if self.call_limit is not None and self.calls >= self.call_limit:
            raise OutOfBudget(ExitReason.CALL_LIMIT)

    def run(self) -> Reduction:
        start = self._start = self.clock()
        self._deadline = start + self.time_limit_s
        self.current, self._key = self.original, simpler_key(self.original)
        reason, detail = self._check_original()
        if reason is None:
            reason = self._shrink()
        for stats in self.stats.values():
            stats.seconds = round(stats.seconds, 2)
        return Reduction(
            original=self.original,
            reduced=self.current,
            target=self.target,
            verdict=self.verdict,
            reason=reason,
            before=measure(syntax.parse(self.original)),
            after=measure(syntax.parse(self.current)),
            seconds=round(self.clock() - start, 2),
            calls=self.calls,
            passes=tuple(self.stats.values()),
            detail=detail,
            history=tuple(self.history),
        )

    def _check_original(self) -> tuple[ExitReason | None, str]:
        """Judge the original FLAKE_CHECK_RUNS times: the bug must show every time."""
        verdicts = []
        for _ in range(FLAKE_CHECK_RUNS):
            self.calls += 1
            verdicts.append(self.judge(self.original))
        if self.target is None and verdicts[0].is_bug:
            self.target = verdicts[0]
        shown = [self.target is not None and same_bug(self.target, v) for v in verdicts]
        self.verdict = verdicts[0]
        if all(shown):
            return None, ""
        first = next((v for v, s in zip(verdicts, shown, strict=True) if not s), verdicts[0])
        what = f"{first.outcome.value}{f' ({first.kind.value})' if first.kind else ''}"
        detail = f"a run of the original gave {what}: {first.detail}".strip().rstrip(":")
        return (ExitReason.FLAKY if any(shown) else ExitReason.NOT_REPRODUCED), detail

    def _shrink(self) -> ExitReason:
        """The passes to a fixed point, then one sweep of the polish passes; again
        until neither changes anything. Statements go first, where the time pays most."""
        try:
            while True:
                self._to_fixed_point(self.passes)
                if not self._sweep(self.polish):
                    return ExitReason.FIXED_POINT
        except OutOfBudget as stop:
            return stop.reason

    def _to_fixed_point(self, passes: Sequence[Pass]) -> None:
        while self._sweep(passes):
            pass

    def _sweep(self, passes: Sequence[Pass]) -> bool:
        """Each pass once, in order; did any of them keep a candidate?"""
        before = self.current
        for run_pass in passes:
            name = run_pass.__name__
            self.active = self.stats.setdefault(name, PassStats(name))
            started = self.clock()
            try:
                run_pass(self)
            finally:
                self.active.seconds += self.clock() - started
        return self.current != before
