"""Checking programs end to end: load, run in the pool, judge, and optionally bisect.

This is what ``fuel check`` and the campaign call; it owns no process and no policy
of its own beyond the order of those steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path

from fuel.errors import Rejected
from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions, RunResult
from fuel.judge.judge import judge
from fuel.judge.verdict import Outcome, Verdict
from fuel.program import ProgramSpec, load_file

# Dynamo alone, + AOTAutograd, + decompositions and partitioning, + Inductor.
BISECT_BACKENDS = ("eager", "aot_eager", "aot_eager_decomp_partition", "inductor")


@dataclass(frozen=True, slots=True)
class Checked:
    """One program's verdict, with the raw result it came from (None when rejected)."""

    name: str
    verdict: Verdict
    spec: ProgramSpec | None = None
    result: RunResult | None = None


class Checker:
    def __init__(
        self,
        pool: WorkerPool,
        options: CompileOptions,
        *,
        allow_unsafe: bool = False,
        bisect: bool = False,
    ) -> None:
        self.pool = pool
        self.options = options
        self.allow_unsafe = allow_unsafe
        self.bisect = bisect

    def check_spec(self, spec: ProgramSpec, name: str | None = None) -> Checked:
        result = self.pool.run(spec, self.options)
        return self._finish(spec, result, name or spec.program.name)

    def _finish(self, spec: ProgramSpec, result: RunResult, name: str) -> Checked:
        verdict = judge(result, self.options)
        if self.bisect and verdict.is_bug:
            verdict = replace(verdict, bisect=self.first_backend_showing(spec, verdict))
        return Checked(name, verdict, spec, result)

    def first_backend_showing(self, spec: ProgramSpec, verdict: Verdict) -> str:
        """The first backend of the bisect ladder on which the same kind of bug shows."""
        ladder: tuple[str, ...] = BISECT_BACKENDS
        if self.options.backend in ladder:
            ladder = ladder[: ladder.index(self.options.backend) + 1]
        for backend in ladder:
            if backend == self.options.backend:
                return backend
            options = self.options.with_backend(backend)
            other = judge(self.pool.run(spec, options), options)
            if other.is_bug and other.kind is verdict.kind:
                return backend
        return "not reproduced"

    def check_files(self, paths: Iterable[Path]) -> Iterator[Checked]:
        """Check files in parallel on the pool; results come back in the order given."""
        pending: list[tuple[str, ProgramSpec, Future[RunResult]] | Checked] = []
        for path in paths:
            try:
                spec = load_file(path, allow_unsafe=self.allow_unsafe)
            except Rejected as rejected:
                pending.append(
                    Checked(str(path), Verdict(Outcome.REJECTED, detail=rejected.reason))
                )
                continue
            pending.append((str(path), spec, self.pool.submit(spec, self.options)))
        for item in pending:
            if isinstance(item, Checked):
                yield item
            else:
                name, spec, future = item
                yield self._finish(spec, future.result(), name)
