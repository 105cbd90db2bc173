"""A bug directory: its files, and the records they hold.

::

    OUT/bugs/<signature_id>/
        program.py       the first program that showed the bug (the campaign's)
        verdict.json     its Verdict (the campaign's)
        options.json     the CompileOptions it was judged with
        reduced.py       the reduced program, in the program format
        reduction.json   the ReductionReport: sizes, seconds, per-pass statistics, the
                         reduced program's verdict (bisection included), the ablation,
                         the repro's confirmation, its runs on other torch builds,
                         torch's CompilerBisector's answer, the code it points at
                         ("Where"), the siblings tried, the known issue it matches
                         and the report's title
        repro.py         the standalone repro, confirmed in a fresh interpreter
        report.md        the bug report

``fuel reduce FILE`` writes the same files into its ``--out`` directory. Files are
written atomically (:func:`fuel.store.files.atomic_write`); records go through
:mod:`fuel.serial`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from fuel import serial
from fuel.errors import UsageError
from fuel.execute.records import CompileOptions
from fuel.judge.signature import RootCause
from fuel.judge.verdict import Verdict
from fuel.reduce.driver import PassStats
from fuel.reduce.simpler import Size
from fuel.store.files import atomic_write

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What a repro did when run alone in a fresh interpreter."""

    reproduced: bool
    exit_code: int | None
    timed_out: bool
    seconds: float
    output: str  # stdout, then stderr's tail when the script died


class BuildStatus(str, enum.Enum):
    """What a confirmed repro did on another build of torch (``--also-on``)."""

    SHOWS = "shows"
    ABSENT = "does not show"
    CANNOT_RUN = "cannot run"  # the repro itself failed there (an API that build lacks)


@dataclass(frozen=True, slots=True)
class BuildCheck:
    """A confirmed repro run on one build of torch, in that build's interpreter."""

    torch: str  # the build's torch.__version__: 2.13.0+cpu
    python: str  # the interpreter it ran in
    status: BuildStatus
    exit_code: int | None
    seconds: float
    detail: str = ""  # why it could not run, or what it raised instead


@dataclass(frozen=True, slots=True)
class Trial:
    """One compile setting tried on the reduced program (the report's ablation)."""

    setting: str  # as a report names it: backend='aot_eager', dynamic=True, ...
    shows: bool | None  # None: the program could not be judged that way
    outcome: str  # the verdict in a few words: "bug numeric_mismatch", "pass", ...


@dataclass(frozen=True, slots=True)
class BisectorAnswer:
    """torch's ``BisectionResult``, as ``CompilerBisector.do_bisect`` returned it."""

    backend: str  # the first torch.compile backend that shows the bug
    subsystem: str | None = None  # the part of it whose disabling hides the bug
    bisect_number: int | None = None  # the application of that part that does it
    debug_info: str | None = None  # what torch logged of that application


@dataclass(frozen=True, slots=True)
class AloneCheck:
    """One piece of the compiler run alone in eager on the program's own values, where
    its result differed from the operator's (the way maintainers test a decomposition)."""

    piece: str  # "decomposition" | "functionalization"
    operator: str  # the aten operator (aten.multi_margin_loss.default); "" for a whole program
    finding: str  # what differed, in a few words


@dataclass(frozen=True, slots=True)
class CompilerBisection:
    """torch's own bisector on the reduced repro, in a fresh sandboxed interpreter.

    ``status``: ``found`` (a subsystem named), ``backend_only`` (a backend but no
    subsystem), ``no_issue`` (no backend showed the bug to it), ``undecided`` (a run
    could not say: the repro could not check, another error, a flaky answer),
    ``timed_out``, ``unavailable`` (this torch has no bisector) or ``not_run`` (why in
    ``detail``). The answer is kept as torch gave it; nothing is guessed."""

    status: str
    answer: BisectorAnswer | None = None
    operator: str = ""  # the aten operator the answer's debug info names, resolved
    alone: tuple[AloneCheck, ...] = ()
    seconds: float = 0.0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CodePointer:
    """Where in the installed torch the bug is: the function a bisection or a run alone
    pointed at, with its source lines in that version."""

    kind: str  # decomposition | lowering | pass | config | functionalization | cpp_codegen
    file: str  # relative to site-packages: torch/_decomp/decompositions.py ("" for C++)
    function: str  # multi_margin_loss, reduce_any, CppVecKernel, ...
    line: int  # where it starts in that file (0: no Python source)
    snippet: str  # the few lines around it, numbered
    evidence: str  # how it was found, in words
    operator: str = ""  # the aten operator it serves, when one

    @property
    def component(self) -> str:
        """The key that folds classes: the same code, whatever operator reached it."""
        return f"{self.kind}:{self.file}:{self.function}" if self.file else (
            f"{self.kind}:{self.function}")  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReductionReport:
    """What processing a bug came to (``reduction.json``)."""

    reason: str  # fixed_point | time_limit | call_limit | not_reproduced | flaky
    detail: str
    seconds: float
    runs: int
    before: Size
    after: Size
    passes: tuple[PassStats, ...] = ()
    history: tuple[tuple[float, int], ...] = ()  # (seconds, statements in forward) kept
    verdict: Verdict | None = None  # the reduced program's, bisection included
    target: Verdict | None = None  # the bug that was kept
    repro: Confirmation | None = None
    title: str = ""  # the report's title, once a report is written
    ablation: tuple[Trial, ...] = ()  # the settings tried on the reduced program
    root_cause: RootCause | None = None  # the class the reduced program's bug belongs to
    options: CompileOptions | None = None  # the fewest settings that show it (reduced.py)
    bisector: CompilerBisection | None = None  # torch's CompilerBisector on the repro
    where: CodePointer | None = None  # the code it points at, once found
    siblings: tuple[Trial, ...] = ()  # other operators of that code, tried the same way
    known: str | None = None  # the known issue the bug matches ("known #191499")
    # The confirmed repro on the other builds fuel was given (``--also-on``); the build
    # it was confirmed on (this interpreter's) is not repeated here.
    builds: tuple[BuildCheck, ...] = ()


@dataclass(frozen=True, slots=True)
class BugFiles:
    directory: Path

    @property
    def program(self) -> Path:
        return self.directory / "program.py"

    @property
    def verdict(self) -> Path:
        return self.directory / "verdict.json"

    @property
    def options(self) -> Path:
        return self.directory / "options.json"

    @property
    def reduced(self) -> Path:
        return self.directory / "reduced.py"

    @property
    def reduction(self) -> Path:
        return self.directory / "reduction.json"

    @property
    def repro(self) -> Path:
        return self.directory / "repro.py"

    @property
    def unconfirmed_repro(self) -> Path:
        return self.directory / "repro_unconfirmed.py"

    @property
    def report(self) -> Path:
        return self.directory / "report.md"

    def is_bug_dir(self) -> bool:
        return self.program.is_file()

    def read_verdict(self) -> Verdict | None:
        return _read(self.verdict, Verdict)

    def read_reduction(self) -> ReductionReport | None:
        return _read(self.reduction, ReductionReport)

    def reduced_verdict(self) -> Verdict | None:
        reduction = self.read_reduction()
        return reduction.verdict if reduction else None

    def title(self) -> str:
        reduction = self.read_reduction()
        return reduction.title if reduction else ""

    def read_options(self, fallback: CompileOptions | None = None) -> CompileOptions:
        return _read(self.options, CompileOptions) or fallback or CompileOptions()

    def write_options(self, options: CompileOptions) -> None:
        self.write_record(self.options, options)

    def write_record(self, path: Path, record: Any) -> None:
        atomic_write(path, serial.dumps(record, indent=2) + "\n")

    def write(self, name: str, text: str) -> Path:
        path = self.directory / name
        atomic_write(path, text)
        return path


def _read(path: Path, cls: type[T]) -> T | None:
    try:
        return serial.loads(cls, path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def bug_files(path: Path) -> BugFiles:
    """The bug directory at ``path``, or a usage error saying what is missing."""
    files = BugFiles(path)
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory")
    if not files.is_bug_dir():
        raise UsageError(f"{path} is not a bug directory (no program.py in it)")
    return files
