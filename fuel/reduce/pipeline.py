"""From a raw bug to the files a maintainer needs: reduce, bisect, repro, report.

:func:`process_bug` is what ``fuel reduce`` and the campaign's bug processor call.
It reduces the program on the given warm pool, bisects the reduced program over the
backend ladder, renders the standalone repro and confirms it in a fresh interpreter
(falling back to the unreduced program if the reduced one does not reproduce there),
and writes ``reduced.py``, ``reduction.json``, ``repro.py`` and ``report.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from fuel.errors import Rejected, UsageError
from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions
from fuel.judge.check import Checker
from fuel.judge.verdict import Kind, Verdict
from fuel.program import load_source
from fuel.reduce import syntax
from fuel.reduce.driver import TIME_LIMIT_S, Reduction, Shrinker
from fuel.reduce.oracle import Judge, PoolJudge
from fuel.reduce.passes import POLISH, STRUCTURE
from fuel.report.bugdir import BugFiles
from fuel.report.environment import collect_env
from fuel.report.markdown import ReportFacts, render_report, title
from fuel.report.repro import Confirmation, confirm, render_repro

Log = Callable[[str], None]
UNCONFIRMED = "repro_unconfirmed.py"
# A candidate that runs far longer than the original did has usually wandered into a
# slow path (a loop over a value that grew huge) and will not show the same bug; it
# is cut off after this many times the original's run, but never under the floor.
CANDIDATE_TIMEOUT_FACTOR = 4.0
CANDIDATE_TIMEOUT_FLOOR_S = 20.0


@dataclass(frozen=True, slots=True)
class BugSource:
    """A program showing a bug, and how it was judged."""

    source: str
    name: str
    options: CompileOptions
    target: Verdict | None = None  # the bug to keep; None: whatever bug the program shows


@dataclass(frozen=True, slots=True)
class ReduceSettings:
    time_limit_s: float = TIME_LIMIT_S
    bisect: bool = True
    confirm: bool = True
    allow_unsafe: bool = False
    judge: Judge | None = None  # None: the pool's workers; tests plug in a crafted one
    versions: Callable[[], str] = collect_env


@dataclass(frozen=True, slots=True)
class Processed:
    reduction: Reduction
    verdict: Verdict | None  # the reduced program's, bisect included
    confirmation: Confirmation | None
    title: str
    directory: Path

    @property
    def repro_confirmed(self) -> bool:
        return self.confirmation is not None and self.confirmation.reproduced


def candidate_timeout(bug: BugSource, timeout_s: float) -> float:
    """The worker timeout for a reduction: shorter than the campaign's where the stored
    verdict says how long the original took (never for a bug that is a timeout)."""
    target = bug.target
    if target is None or target.kind is Kind.TIMEOUT or target.seconds <= 0:
        return timeout_s
    wanted = max(CANDIDATE_TIMEOUT_FLOOR_S, CANDIDATE_TIMEOUT_FACTOR * target.seconds)
    return min(timeout_s, wanted)


def read_bug(path: Path, options: CompileOptions) -> tuple[BugSource, Path]:
    """A FILE or a BUG_DIR, and where its results go by default."""
    files = BugFiles(path)
    if path.is_dir():
        if not files.is_bug_dir():
            raise UsageError(f"{path} is not a bug directory (no program.py in it)")
        source = files.program.read_text(encoding="utf-8")
        bug = BugSource(source, path.name, files.read_options(options), files.read_verdict())
        return bug, path
    if not path.is_file():
        raise UsageError(f"{path} does not exist")
    source = path.read_text(encoding="utf-8")
    return BugSource(source, path.stem, options), path.with_name(f"{path.stem}-reduced")


def process_bug(
    bug: BugSource,
    pool: WorkerPool | None,
    out: Path,
    settings: ReduceSettings = ReduceSettings(),
    log: Log = lambda line: None,
) -> Processed:
    files = BugFiles(out)
    out.mkdir(parents=True, exist_ok=True)
    judge = settings.judge or PoolJudge(_need(pool), bug.options, settings.allow_unsafe)
    try:
        syntax.parse(bug.source)
    except SyntaxError as error:
        raise UsageError(f"{bug.name}: syntax error: {error.msg} (line {error.lineno})") from None
    log(f"reducing {bug.name} (time limit {settings.time_limit_s:.0f} s)")
    shrinker = Shrinker(bug.source, judge, STRUCTURE, target=bug.target, polish=POLISH,
                        time_limit_s=settings.time_limit_s)  # fmt: skip
    reduction = shrinker.run()
    log(f"{reduction.reason.value}: {reduction.before.line()} -> {reduction.after.line()}, "
        f"{reduction.calls} runs, {reduction.seconds:.1f} s")  # fmt: skip
    if not reduction.reproduced:
        files.write("reduction.json", _reduction_json(reduction, None, None))
        return Processed(reduction, None, None, "", out)
    if not files.program.exists():  # reducing a FILE: make OUT a complete bug directory
        files.write("program.py", bug.source)
        if reduction.target is not None:
            files.write("verdict.json", reduction.target.to_json() + "\n")
    files.write("reduced.py", reduction.reduced)
    files.write_options(bug.options)
    verdict = reduction.verdict
    assert verdict is not None
    spec = _load(reduction.reduced, settings.allow_unsafe)
    if settings.bisect and pool is not None:
        checker = Checker(pool, bug.options, allow_unsafe=settings.allow_unsafe)
        verdict = replace(verdict, bisect=checker.first_backend_showing(spec, verdict))
        log(f"bisect: first shows with backend {verdict.bisect}")
    heading = title(reduction.reduced, verdict, bug.options)
    repro, confirmation, note = _repro(bug, reduction, verdict, heading, settings, log)
    files.write("repro.py" if confirmation is None or confirmation.reproduced else UNCONFIRMED,
                repro)  # fmt: skip
    facts = ReportFacts(
        source=reduction.reduced,
        repro=repro,
        verdict=verdict,
        options=bug.options,
        confirmation=confirmation,
        versions=settings.versions(),
        original_statements=reduction.before.forward_statements,
        reduced_statements=reduction.after.forward_statements,
        reduction_note=note,
    )
    files.write("report.md", render_report(facts))
    files.write("reduction.json", _reduction_json(reduction, verdict, confirmation))
    return Processed(reduction, verdict, confirmation, heading, out)


def _need(pool: WorkerPool | None) -> WorkerPool:
    if pool is None:
        raise UsageError("reducing needs a worker pool or a judge")
    return pool


def _load(source: str, allow_unsafe: bool) -> Any:
    try:
        return load_source(source, "reduced", allow_unsafe=allow_unsafe)
    except Rejected as rejected:  # the reduced program was judged, so it loads
        raise UsageError(f"the reduced program does not load: {rejected.reason}") from None


def _repro(
    bug: BugSource,
    reduction: Reduction,
    verdict: Verdict,
    heading: str,
    settings: ReduceSettings,
    log: Log,
) -> tuple[str, Confirmation | None, str]:
    """The repro text, its confirmation, and a note for the report when it fell back."""
    repro = render_repro(_load(reduction.reduced, settings.allow_unsafe), bug.options, heading)
    if not settings.confirm:
        return repro, None, ""
    confirmation = confirm(repro, verdict.kind)
    log(f"repro in a fresh interpreter: exit {confirmation.exit_code}, "
        f"{'reproduces' if confirmation.reproduced else 'does NOT reproduce'} "
        f"({confirmation.seconds:.0f} s)")  # fmt: skip
    if confirmation.reproduced or reduction.reduced == reduction.original:
        return repro, confirmation, ""
    original = render_repro(_load(reduction.original, settings.allow_unsafe), bug.options, heading)
    fallback = confirm(original, verdict.kind)
    log(f"unreduced repro: {'reproduces' if fallback.reproduced else 'does NOT reproduce'}")
    if fallback.reproduced:
        note = ("The reduced program did not show the bug in a fresh interpreter, so the "
                "repro below is the unreduced program.")  # fmt: skip
        return original, fallback, note
    return repro, confirmation, "The repro did not show the bug in a fresh interpreter."


def _reduction_json(
    reduction: Reduction, verdict: Verdict | None, confirmation: Confirmation | None
) -> str:
    data = {
        "reason": reduction.reason.name.lower(),
        "detail": reduction.detail,
        "seconds": reduction.seconds,
        "runs": reduction.calls,
        "before": asdict(reduction.before),
        "after": asdict(reduction.after),
        "passes": [asdict(stats) for stats in reduction.passes],
        "history": [list(point) for point in reduction.history],
        "verdict": verdict.to_dict() if verdict else None,
        "target": reduction.target.to_dict() if reduction.target else None,
        "repro": asdict(confirmation) if confirmation else None,
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
