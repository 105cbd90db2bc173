"""Records going into and coming out of the campaign store."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fuel.cluster.records import ClusterReport
from fuel.execute.options import CompileSetting
from fuel.execute.records import CompileOptions
from fuel.feedback.record import Feedback
from fuel.judge.signature import RootCause
from fuel.judge.verdict import Outcome, Verdict
from fuel.program.record import Program


@dataclass(frozen=True, slots=True)
class Environment:
    """Where a campaign ran: stored once, shown by ``fuel status`` and reports."""

    torch_version: str
    python_version: str
    fuel_version: str
    cpu: str
    platform: str


@dataclass(frozen=True, slots=True)
class Novelty:
    """What one test adds to the campaign, worked out before it is recorded."""

    lines_by_file: tuple[tuple[str, tuple[int, ...]], ...] = ()  # lines new to the campaign
    signature: str = ""  # the bug's signature ("" unless the verdict is a bug)
    signature_id: str = ""
    new_bug: bool = False  # a reportable signature never seen before
    known: str | None = None  # the known-issues rule it matches
    measured: bool = True  # coverage was measured (else ``lines_by_file`` is a blank)

    @property
    def new_lines(self) -> int:
        return sum(len(lines) for _, lines in self.lines_by_file)

    def counts_by_file(self) -> tuple[tuple[str, int], ...]:
        return tuple((path, len(lines)) for path, lines in self.lines_by_file)


@dataclass(frozen=True, slots=True)
class NewTest:
    """One finished test, as the campaign hands it to the store."""

    program: Program
    verdict: Verdict
    novelty: Novelty
    parent: int | None = None  # the test it was mutated or repaired from
    corpus: bool = False  # kept for later mutation
    run_seconds: float = 0.0
    generate_seconds: float = 0.0
    settings: tuple[CompileSetting, ...] = ()  # made on the campaign's options


@dataclass(frozen=True, slots=True)
class Recorded:
    """The store's answer once a test is committed."""

    test_id: int
    elapsed_s: float
    covered_lines: int
    bug_count: int = 0  # occurrences of the test's bug signature so far, this one included
    bug_dir: Path | None = None  # set for a new reportable bug: its directory under bugs/


@dataclass(frozen=True, slots=True)
class NewBug:
    """A reportable bug just recorded (or recorded but not yet processed): what bug
    processors (reduction, report) start from."""

    signature_id: str
    directory: Path  # OUT/bugs/<signature_id>/, holding program.py and verdict.json
    test_id: int  # the first test that showed it (tests.id)
    program: Program
    verdict: Verdict
    options: CompileOptions  # how the test that showed it was compiled


@dataclass(frozen=True, slots=True)
class Triaged:
    """What a bug processor says of a bug: one line for the display (the report's
    title), and the root-cause class of its reduced program, when it has one."""

    line: str = ""
    root_cause: RootCause | None = None
    fixed_in: str = ""  # the newer torch build that no longer shows it (--also-on), if any


@dataclass(frozen=True, slots=True)
class StoredTest:
    """A recorded test read back (for resume: replay and the corpus)."""

    test_id: int
    program: Program
    outcome: Outcome
    new_lines: int
    new_bug: bool
    parent: int | None
    times_mutated: int = 0  # tests recorded with this one as parent
    settings: tuple[CompileSetting, ...] = ()  # the compile settings it ran with
    measured: bool = True  # its coverage was measured (``new_lines`` is a count)
    # Its bug was known or seen: a duplicate, a known issue, a --seen campaign's, or a
    # new signature whose class proved so once reduced (``Feedback.stale_bug``).
    stale_bug: bool = False
    run_seconds: float = 0.0  # the worker-seconds it cost
    new_lines_by_file: tuple[tuple[str, int], ...] = ()  # where its new lines are

    def feedback(self) -> Feedback:
        """What the test taught, as replayed on resume: the final word on its bug."""
        return Feedback(self.program, Verdict(self.outcome), self.new_lines,
                        self.new_lines_by_file, self.new_bug, self.settings, self.measured,
                        self.stale_bug, self.run_seconds)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BugRecord:
    signature_id: str
    signature: str
    kind: str
    stage: str | None
    first_test: int
    last_test: int
    count: int
    known: str | None  # the known issue it matches: by its signature, or by its class
    processed: bool
    processing_error: str | None
    detail: str  # the first test's
    ops: tuple[str, ...]  # aten operators the first test ran
    class_id: str = ""  # its root-cause class; its own signature id until it is reduced
    dtype: str = ""  # the dtype of the value that differs (value mismatches)
    fixed_in: str = ""  # its class's repro no longer shows on this newer torch (--also-on)
    component: str = ""  # the code its class was traced to (RootCause.component), or ""
    class_operators: tuple[str, ...] = ()  # its class's operators (the reduced forward's)


@dataclass(frozen=True, slots=True)
class Classified:
    """What a reduced bug's root-cause class is to the campaign."""

    class_id: str
    new: bool  # no bug of the campaign was in this class before
    known: str | None  # the known issue the class matches ("known #198081"), if any
    fixed_in: str = ""  # the newer torch build its repro no longer shows on (--also-on)


@dataclass(frozen=True, slots=True)
class WorkerSeconds:
    """The workers' time over the whole campaign, by use (``fuel.check.share``)."""

    fuzzing: float = 0.0  # the campaign's tests, second looks included
    reducing: float = 0.0  # the bug processors' checks (reduction, bisection)
    confirming: float = 0.0  # repros run in fresh interpreters beside the workers

    @property
    def reducing_share(self) -> float:
        """Bug processing's share of the time, the repros' interpreters included."""
        total = self.fuzzing + self.reducing + self.confirming
        return (self.reducing + self.confirming) / total if total > 0 else 0.0


@dataclass(frozen=True, slots=True)
class KindCount:
    kind: str
    unique: int  # root-cause classes (known ones excluded)
    total: int  # tests judged a bug of this kind, known issues included


@dataclass(frozen=True, slots=True)
class Summary:
    """A campaign's state, read from its database: what status and the display show."""

    out: str
    tests: int
    valid: int  # outcome pass, bug or skipped: the program ran in eager
    passed: int
    invalid: int
    skipped: int
    rejected: int
    bugs_unique: int  # root-cause classes (known ones and those fixed upstream excluded)
    bugs_total: int  # tests judged a bug, duplicates and known issues included
    # (eager's own bugs, where compiled was right, are neither: they count in eager_bugs)
    bugs_known: int  # tests whose bug matched a known-issues rule (seen ones aside)
    by_kind: tuple[KindCount, ...]
    covered_lines: int
    elapsed_s: float  # campaign time over all runs
    run_tests: int  # tests recorded by the latest run
    run_elapsed_s: float
    runs: int
    running: bool  # a fuel process holds the campaign now
    corpus: int
    last_ops: tuple[str, ...]
    generator: str
    heuristic: str
    coverage: bool
    torch_version: str
    stop_reason: str | None
    spent_usd: float | None = None  # what the generator says it spent (an LLM), if it says
    fuel_errors: int = 0  # tests on which fuel's own code failed (skipped, not judged)
    signatures: int = 0  # reportable signatures: bugs before folding into classes
    classes_known: int = 0  # root-cause classes that match a known upstream issue
    # Root-cause classes whose repro no longer shows on a newer torch build (--also-on).
    classes_fixed_upstream: int = 0
    torch_versions: tuple[str, ...] = ()  # the torch of each run, in order, once each
    bugs_seen: int = 0  # tests whose bug a --seen campaign found (fuel.store.seen)
    classes_seen: int = 0  # root-cause classes a --seen campaign found
    settings_used: dict[str, dict[str, int]] = field(default_factory=dict)  # tests per
    # setting family and value ("default": the campaign's own options)
    cluster: ClusterReport | None = None  # the latest run's cluster (``--ray``), else None
    coverage_policy: str = ""  # which tests are measured (``fuel.campaign.measure``)
    measured: int = 0  # tests whose coverage was measured
    worker_seconds: WorkerSeconds = field(default_factory=WorkerSeconds)
    # Tests per census shape of their program (fuel.generate.census), e.g. out_variant.
    motifs_used: dict[str, int] = field(default_factory=dict)
    eager_bugs: tuple[KindCount, ...] = ()  # eager's own bugs by kind (fuel.judge.eager_side)
    # Per target (compile, export, aoti): its tests, those its trace refused by design
    # ("refused": invalid for it) and those refused where torch.compile(fullgraph=True)
    # captures the program ("leads": skipped, counted, not reported).
    targets_used: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def eager_bugs_unique(self) -> int:
        return sum(k.unique for k in self.eager_bugs)

    @property
    def eager_bugs_total(self) -> int:
        return sum(k.total for k in self.eager_bugs)

    @property
    def valid_share(self) -> float:
        return self.valid / self.tests if self.tests else 0.0

    @property
    def tests_per_minute(self) -> float:
        """Of the latest run: a resumed campaign's rate is not diluted by its pause."""
        return 60.0 * self.run_tests / self.run_elapsed_s if self.run_elapsed_s > 0 else 0.0

    @property
    def seconds_per_new_line(self) -> float | None:
        """Worker-seconds fuzzing per compiler line covered (each was new once)."""
        fuzzing = self.worker_seconds.fuzzing
        return fuzzing / self.covered_lines if fuzzing and self.covered_lines else None

    @property
    def seconds_per_new_class(self) -> float | None:
        """Worker-seconds per new root-cause class, bug processing included: a class
        is known only once its bug is reduced."""
        seconds = self.worker_seconds
        total = seconds.fuzzing + seconds.reducing + seconds.confirming
        return total / self.bugs_unique if total and self.bugs_unique else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["by_kind"] = {k.kind: {"unique": k.unique, "total": k.total} for k in self.by_kind}
        data["eager_bugs"] = {k.kind: {"unique": k.unique, "total": k.total}
                              for k in self.eager_bugs}  # fmt: skip
        data["last_ops"] = list(self.last_ops)
        data["valid_share"] = round(self.valid_share, 4)
        data["tests_per_minute"] = round(self.tests_per_minute, 2)
        data["elapsed_s"] = round(self.elapsed_s, 2)
        data["run_elapsed_s"] = round(self.run_elapsed_s, 2)
        # Root-cause classes: new (counted in bugs_unique), matching a known issue,
        # and found first by a campaign named with --seen.
        data["root_causes"] = {"new": self.bugs_unique, "known": self.classes_known,
                               "seen": self.classes_seen,
                               "fixed_upstream": self.classes_fixed_upstream}  # fmt: skip
        data["worker_seconds_per_new_line"] = _rounded(self.seconds_per_new_line)
        data["worker_seconds_per_new_class"] = _rounded(self.seconds_per_new_class)
        return data


def _rounded(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None
