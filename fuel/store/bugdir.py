"""A bug directory: its files, and the records they hold.

::

    OUT/bugs/<signature_id>/
        program.py       the first program that showed the bug (the campaign's)
        verdict.json     its Verdict (the campaign's)
        options.json     the CompileOptions it was judged with
        reduced.py       the reduced program, in the program format
        reduction.json   the ReductionReport: sizes, seconds, per-pass statistics, the
                         reduced program's verdict (bisection included), the ablation,
                         the repro's confirmation and the report's title
        repro.py         the standalone repro, confirmed in a fresh interpreter
        report.md        the bug report

``fuel reduce FILE`` writes the same files into its ``--out`` directory. Files are
written atomically (:func:`fuel.store.files.atomic_write`); records go through
:mod:`fuel.serial`.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class Trial:
    """One compile setting tried on the reduced program (the report's ablation)."""

    setting: str  # as a report names it: backend='aot_eager', dynamic=True, ...
    shows: bool | None  # None: the program could not be judged that way
    outcome: str  # the verdict in a few words: "bug numeric_mismatch", "pass", ...


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
