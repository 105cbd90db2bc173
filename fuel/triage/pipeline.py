"""From a raw bug to the files a maintainer needs: reduce, bisect, repro, confirm, report.

:func:`process_bug` is what ``fuel reduce`` and the campaign's bug processor call. It
reduces the program (judging candidates through a :class:`~fuel.check.Checker`),
bisects the reduced program over the backend ladder, renders the standalone repro
and confirms it in a fresh interpreter (falling back to the unreduced program if the
reduced one does not reproduce there), traces the bug to torch's code (torch's own
CompilerBisector on the repro, :mod:`~fuel.triage.bisector`; the function it points at,
:mod:`~fuel.triage.pointer`; the other operators of that code, tried the same way,
:mod:`~fuel.triage.siblings` and the ablation's sweep), matches the known issues, and
writes ``reduced.py``, ``repro.py``, ``report.md`` and the
:class:`~fuel.store.bugdir.ReductionReport` (``reduction.json``). Every step is a spoke
that returns here; none calls another.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from fuel.check import Checker, Runner
from fuel.check.share import ShareGate
from fuel.errors import Rejected, UsageError
from fuel.execute.options import changes, texts
from fuel.execute.records import CompileOptions
from fuel.execute.targets import target_of
from fuel.judge.signature import RootCause, identity_of, root_cause
from fuel.judge.verdict import Kind, Verdict
from fuel.program import ProgramSpec, load_source, read_program, syntax
from fuel.program.syntax import forward_operators
from fuel.reduce.driver import TIME_LIMIT_S, Judge, Reduction, Shrinker
from fuel.reduce.passes import POLISH, STRUCTURE
from fuel.report.markdown import ReportFacts, render_report, title
from fuel.report.repro import render_repro
from fuel.store.bugdir import (
    BugFiles,
    BuildCheck,
    CodePointer,
    CompilerBisection,
    Confirmation,
    ReductionReport,
    Trial,
)
from fuel.store.known import KnownIssues, installed_torch
from fuel.triage.ablation import ablate, bisection, minimal_settings, sweep, vectorisation
from fuel.triage.bisector import TIME_LIMIT_S as BISECTOR_TIME_LIMIT_S
from fuel.triage.bisector import compiler_bisect
from fuel.triage.builds import Build, check_builds, standing
from fuel.triage.confirm import confirm as confirm_in_fresh_interpreter
from fuel.triage.environment import collect_env
from fuel.triage.pointer import locate
from fuel.triage.siblings import candidates, variants

Log = Callable[[str], None]
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
    static_check: bool = True
    judge: Judge | None = None  # None: the checker's workers; tests plug in a crafted one
    versions: Callable[[], str] = collect_env
    # What the time limit is measured in: in a campaign, a clock that stands still while
    # reduction waits for its share of the workers (``fuel.check.share.ShareGate``).
    clock: Callable[[], float] = time.monotonic
    also_on: tuple[Build, ...] = ()  # other torch builds the confirmed repro runs on
    # torch's CompilerBisector on the confirmed repro (with ``bisect``); 0: not run.
    compiler_bisect_s: float = BISECTOR_TIME_LIMIT_S
    known: KnownIssues = field(default_factory=KnownIssues)  # filed upstream: reports say so


@dataclass(frozen=True, slots=True)
class Traced:
    """A bug traced to torch's code: the bisector's answer, the code it points at, the
    vectorisation run that decided C++ code generation, the siblings tried."""

    bisector: CompilerBisection | None = None
    where: CodePointer | None = None
    vectorisation: Trial | None = None
    siblings: tuple[Trial, ...] = ()


@dataclass(frozen=True, slots=True)
class Processed:
    reduction: Reduction
    report: ReductionReport
    directory: Path

    @property
    def title(self) -> str:
        return self.report.title

    @property
    def repro_confirmed(self) -> bool:
        return self.report.repro is not None and self.report.repro.reproduced


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
        source = source_of(files.program)
        bug = BugSource(source, path.name, files.read_options(options), files.read_verdict())
        return bug, path
    source = source_of(path)
    return BugSource(source, path.stem, options), path.with_name(f"{path.stem}-reduced")


def source_of(path: Path) -> str:
    """The program in ``path``; one line (a ``UsageError``) when it cannot be read."""
    try:
        return read_program(path).source
    except Rejected as refused:
        raise UsageError(refused.reason) from None


def process_bug(
    bug: BugSource,
    checker: Checker | None,
    out: Path,
    settings: ReduceSettings = ReduceSettings(),
    log: Log = lambda line: None,
) -> Processed:
    files = BugFiles(out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        syntax.parse(bug.source)
    except SyntaxError as error:
        raise UsageError(f"{bug.name}: syntax error: {error.msg} (line {error.lineno})") from None
    reduction = _reduce(bug, checker, settings, log)
    if not reduction.reproduced:
        report = _report_of(reduction, None, None, "")
        files.write_record(files.reduction, report)
        return Processed(reduction, report, out)
    if not files.program.exists():  # reducing a FILE: make OUT a complete bug directory
        files.write("program.py", bug.source)
        if reduction.target is not None:
            files.write_record(files.verdict, reduction.target)
    files.write("reduced.py", reduction.reduced)
    files.write_options(bug.options)
    verdict = reduction.verdict
    assert verdict is not None
    spec = _load(reduction.reduced, settings.static_check)
    if verdict.is_eager_bug and settings.bisect:  # eager's own kernel: no compiler to bisect
        settings = replace(settings, bisect=False)
        log("an eager bug (compiled is right): no ablation or bisection of the compiler")
    ablation: tuple[Trial, ...] = ()
    if settings.bisect and checker is not None:
        minimal = minimal_settings(checker, spec.program, verdict)
        bug = replace(bug, options=minimal.options)
        checker = Checker(checker.runner, minimal.options, static_check=checker.static_check,
                          timeout_s=checker.timeout_s)  # fmt: skip
        ablation = minimal.trials + ablate(checker, spec.program, minimal.verdict)
        verdict = replace(minimal.verdict, bisect=bisection(ablation))
        shown = ", ".join(t.setting for t in ablation if t.shows) or "none"
        log(f"settings needed: {', '.join(texts(changes(minimal.options))) or 'none'}; "
            f"ablation: shows with {shown}")  # fmt: skip
    heading = title(reduction.reduced, verdict, bug.options)
    runner = checker.runner if checker is not None else None
    repro, confirmation, note = _repro(bug, reduction, spec, verdict, heading, settings, log,
                                       runner)  # fmt: skip
    confirmed = confirmation is None or confirmation.reproduced
    files.write((files.repro if confirmed else files.unconfirmed_repro).name, repro)
    builds = _on_builds(repro, verdict, confirmation, settings, runner, log)
    traced = _trace(checker, spec, repro, verdict, bug.options, confirmation, settings, log)
    ablation += (traced.vectorisation,) if traced.vectorisation else ()
    cause = replace(root_cause(verdict, forward_operators(reduction.reduced),
                               changes(bug.options)),
                    component=traced.where.component if traced.where else "")  # fmt: skip
    known = _known(settings.known, reduction, verdict, cause)
    if known:
        log(f"{known}: a root cause already filed upstream")
    here = installed_torch()
    label = standing(here, builds).label if builds else ""
    heading = title(reduction.reduced, verdict, bug.options, label)
    facts = ReportFacts(
        spec=spec,
        repro=repro,
        verdict=verdict,
        options=bug.options,
        confirmation=confirmation,
        versions=settings.versions(),
        original_statements=reduction.before.forward_statements,
        reduced_statements=reduction.after.forward_statements,
        reduction_note=note,
        ablation=ablation,
        torch_here=here,
        builds=builds,
        standing=label,
        bisector=traced.bisector,
        where=traced.where,
        siblings=traced.siblings,
        known=known,
    )
    files.write("report.md", render_report(facts))
    report = replace(_report_of(reduction, verdict, confirmation, heading), ablation=ablation,
                     root_cause=cause, options=bug.options, builds=builds,
                     bisector=traced.bisector, where=traced.where, siblings=traced.siblings,
                     known=known)  # fmt: skip
    files.write_record(files.reduction, report)
    return Processed(reduction, report, out)


def _reduce(
    bug: BugSource, checker: Checker | None, settings: ReduceSettings, log: Log
) -> Reduction:
    judge = settings.judge or _need(checker).verdict_of
    log(f"reducing {bug.name} (time limit {settings.time_limit_s:.0f} s)")
    shrinker = Shrinker(bug.source, judge, STRUCTURE, target=bug.target, polish=POLISH,
                        time_limit_s=settings.time_limit_s, clock=settings.clock)  # fmt: skip
    reduction = shrinker.run()
    log(f"{reduction.reason.value}: {reduction.before.line()} -> {reduction.after.line()}, "
        f"{reduction.calls} runs, {reduction.seconds:.1f} s")  # fmt: skip
    return reduction


def _need(checker: Checker | None) -> Checker:
    if checker is None:
        raise UsageError("reducing needs a worker pool or a judge")
    return checker


def _load(source: str, static_check: bool) -> ProgramSpec:
    try:
        return load_source(source, "reduced", allow_unsafe=not static_check)
    except Rejected as rejected:  # the reduced program was judged, so it loads
        raise UsageError(f"the reduced program does not load: {rejected.reason}") from None


def _repro(
    bug: BugSource,
    reduction: Reduction,
    spec: ProgramSpec,
    verdict: Verdict,
    heading: str,
    settings: ReduceSettings,
    log: Log,
    runner: Runner | None = None,
) -> tuple[str, Confirmation | None, str]:
    """The repro text, its confirmation, and a note for the report when it fell back.
    A campaign's gate (``runner``) paces the fresh interpreters as reduction runs."""
    repro = render_repro(spec, bug.options, verdict, heading)
    if not settings.confirm:
        return repro, None, ""

    def confirm(text: str, target: Verdict) -> Confirmation:
        if isinstance(runner, ShareGate):
            return runner.hold(lambda: confirm_in_fresh_interpreter(text, target))
        return confirm_in_fresh_interpreter(text, target)

    confirmation = confirm(repro, verdict)
    log(f"repro in a fresh interpreter: exit {confirmation.exit_code}, "
        f"{_shows(confirmation)} ({confirmation.seconds:.0f} s)")  # fmt: skip
    if not confirmation.reproduced:  # a random draw the repro's reading missed?
        seeded = render_repro(spec, bug.options, verdict, heading, all_seeds=True)
        if seeded != repro:
            repro, confirmation = seeded, confirm(seeded, verdict)
            log(f"repro with every seed reset: {_shows(confirmation)}")
    if confirmation.reproduced or reduction.reduced == reduction.original:
        return repro, confirmation, ""
    target = reduction.target or verdict  # the original program's own verdict
    original = render_repro(_load(reduction.original, settings.static_check), bug.options,
                            target, heading)  # fmt: skip
    fallback = confirm(original, target)
    log(f"unreduced repro: {_shows(fallback)}")
    if fallback.reproduced:
        note = ("The reduced program did not show the bug in a fresh interpreter, so the "
                "repro below is the unreduced program.")  # fmt: skip
        return original, fallback, note
    return repro, confirmation, "The repro did not show the bug in a fresh interpreter."


def _on_builds(
    repro: str,
    verdict: Verdict,
    confirmation: Confirmation | None,
    settings: ReduceSettings,
    runner: Runner | None,
    log: Log,
) -> tuple[BuildCheck, ...]:
    """The confirmed repro on every other build fuel was given (``--also-on``)."""
    if not settings.also_on or confirmation is None or not confirmation.reproduced:
        return ()

    def run() -> tuple[BuildCheck, ...]:
        return check_builds(repro, verdict, settings.also_on)

    checks = runner.hold(run) if isinstance(runner, ShareGate) else run()
    log("on other builds: " + ", ".join(f"torch {c.torch} {c.status.value}" for c in checks))
    return checks


def _trace(
    checker: Checker | None,
    spec: ProgramSpec,
    repro: str,
    verdict: Verdict,
    options: CompileOptions,
    confirmation: Confirmation | None,
    settings: ReduceSettings,
    log: Log,
) -> Traced:
    """torch's bisector on the repro, the code it points at, and that code's siblings."""
    if not settings.bisect or settings.compiler_bisect_s <= 0:
        return Traced()
    if not target_of(options).bisectable:  # torch's bisector works behind torch.compile
        return Traced()
    if confirmation is not None and not confirmation.reproduced:
        return Traced(CompilerBisection("not_run", detail="the repro did not show the bug"))
    runner = checker.runner if checker is not None else None
    reduced = spec.program.source

    def bisect() -> CompilerBisection:
        return compiler_bisect(repro, reduced, verdict, options.device, settings.compiler_bisect_s)

    found = runner.hold(bisect) if isinstance(runner, ShareGate) else bisect()
    answer = found.answer
    log(f"torch's CompilerBisector: {found.status} {answer or found.detail} "
        f"({found.seconds:.0f} s)")  # fmt: skip
    vector = None
    if (checker is not None and answer is not None and answer.backend == "inductor"
            and answer.subsystem in (None, "lowerings") and options.device == "cpu"):  # fmt: skip
        vector = vectorisation(checker, spec.program, verdict)
    where = locate(found, vector)
    call, names = candidates(where, forward_operators(reduced))
    siblings: tuple[Trial, ...] = ()
    if checker is not None and names:
        first = verdict.bisect.first if verdict.bisect and verdict.bisect.first else None
        siblings = sweep(checker, variants(reduced, call, names), verdict,
                         options.with_backend(first or options.backend),
                         clock=settings.clock)  # fmt: skip
        log(f"siblings of {call}: {sum(bool(t.shows) for t in siblings)} of {len(siblings)} "
            f"tried show it")  # fmt: skip
    log(f"where: {where.component if where else 'undecided'}")
    return Traced(found, where, vector, siblings)


def _known(
    known: KnownIssues, reduction: Reduction, verdict: Verdict, cause: RootCause
) -> str | None:
    """The known issue the bug matches, as a campaign would match it: the original's
    signature (or the reduced program's), else its root-cause class."""
    for seen in (reduction.target, verdict):
        if seen is not None and seen.is_bug:
            signature = identity_of(seen)
            label = known.match(signature.text, signature.id, seen)
            if label:
                return label
    return known.match_class(cause)


def _shows(confirmation: Confirmation) -> str:
    return "reproduces" if confirmation.reproduced else "does NOT reproduce"


def _report_of(
    reduction: Reduction, verdict: Verdict | None, confirmation: Confirmation | None, heading: str
) -> ReductionReport:
    return ReductionReport(
        reason=reduction.reason.name.lower(),
        detail=reduction.detail,
        seconds=reduction.seconds,
        runs=reduction.calls,
        before=reduction.before,
        after=reduction.after,
        passes=reduction.passes,
        history=reduction.history,
        verdict=verdict,
        target=reduction.target,
        repro=confirmation,
        title=heading,
    )
