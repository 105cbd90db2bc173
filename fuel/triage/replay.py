"""Replay: re-run stored bugs on the installed torch, to see which a new build fixed.

Each bug directory is run again through the judge (on warm workers) with the compile
options it was found with, and its new verdict compared with the stored one by the
reducer's rule (:func:`fuel.judge.signature.same_bug`):

* ``reproduces``: the same bug shows;
* ``fixed``: the program now passes;
* ``changed``: anything else (another bug, an invalid program, a skip), which asks
  for a look: the fix may be partial, or the program may hit something new.

The reduced program is replayed where there is one (it is what the report shows);
``--original`` replays the program the campaign found.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fuel import serial
from fuel.errors import Rejected, UsageError
from fuel.execute.records import CompileOptions
from fuel.judge.signature import same_bug
from fuel.judge.verdict import Outcome, Verdict
from fuel.program import read_program
from fuel.store import CampaignStore
from fuel.store.bugdir import BugFiles, BuildCheck
from fuel.store.known import KnownIssues, shipped_known_issues

# (source, options) -> the verdict on the installed torch
Run = Callable[[str, CompileOptions], Verdict]
# (the bug's repro, the verdict it shows) -> the repro on other builds (--also-on)
OnBuilds = Callable[[str, Verdict], tuple[BuildCheck, ...]]


class Status(str, enum.Enum):
    REPRODUCES = "reproduces"
    FIXED = "fixed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class Replayed:
    directory: Path
    program: str  # the file replayed: reduced.py or program.py
    status: Status
    stored: Verdict
    now: Verdict
    title: str = ""
    known: str | None = None  # the upstream issue its root cause was known as
    builds: tuple[BuildCheck, ...] = ()  # its confirmed repro on other builds (--also-on)

    def line(self) -> str:
        was = _describe(self.stored)
        now = "" if self.status is Status.REPRODUCES else f"  was {was}, now {_describe(self.now)}"
        label = self.title or was
        status = self.status.value.upper()
        line = f"{status:10} {self.directory.name}  {self.program:10} {label}{now}"
        if self.known and self.status is not Status.REPRODUCES:
            line += f"  ({self.known} no longer reproduces: the upstream issue may be fixed)"
        elif self.known:
            line += f"  ({self.known})"
        if self.builds:
            line += "  [" + " · ".join(f"torch {b.torch}: {b.status.value}" for b in self.builds)
            line += "]"
        return line

    def to_dict(self) -> dict[str, object]:
        return {
            "bug": str(self.directory),
            "program": self.program,
            "status": self.status.value,
            "stored": serial.to_data(self.stored),
            "now": serial.to_data(self.now),
            "title": self.title,
            "known": self.known,
            "builds": [serial.to_data(build) for build in self.builds],
        }


def _describe(verdict: Verdict) -> str:
    kind = f" {verdict.kind.value}" if verdict.kind else ""
    return f"{verdict.outcome.value}{kind}"


def classify(stored: Verdict, now: Verdict) -> Status:
    if same_bug(stored, now):
        return Status.REPRODUCES
    if now.outcome is Outcome.PASS:
        return Status.FIXED
    return Status.CHANGED


def bug_directories(
    paths: Iterable[Path], options: CompileOptions
) -> Iterator[tuple[BugFiles, CompileOptions]]:
    """Each PATH is a bug directory, or a campaign directory holding ``bugs/``; with
    each bug, the options to fall back on (the campaign's, else ``options``) when the
    bug directory has no ``options.json``."""
    for path in paths:
        files = BugFiles(path)
        if files.is_bug_dir():
            yield files, options
        elif (path / "bugs").is_dir():
            fallback = campaign_options(path, options)
            found = sorted(p for p in (path / "bugs").iterdir() if BugFiles(p).is_bug_dir())
            yield from ((BugFiles(p), fallback) for p in found)
        else:
            raise UsageError(f"{path} is neither a bug directory nor a campaign directory")


def campaign_options(out: Path, default: CompileOptions) -> CompileOptions:
    """The compile options a campaign ran with (its stored settings)."""
    if not (out / "campaign.db").is_file():
        return default
    with CampaignStore.read(out) as store:
        stored = store.settings().get("options")
    return serial.from_data(CompileOptions, stored) if isinstance(stored, dict) else default


@dataclass(frozen=True, slots=True)
class Chosen:
    """What to replay of a bug directory."""

    name: str  # reduced.py or program.py
    source: str
    stored: Verdict
    options: CompileOptions | None  # the reduction's settings, for reduced.py


def what_to_replay(files: BugFiles, original: bool) -> Chosen | None:
    """The program to replay and its stored verdict, or None when nothing can be compared;
    ``Rejected`` when the program cannot be read."""
    reduction = None if original else files.read_reduction()
    if reduction is not None and reduction.verdict is not None and files.reduced.exists():
        source = read_program(files.reduced).source
        return Chosen("reduced.py", source, reduction.verdict, reduction.options)
    stored = files.read_verdict()
    if stored is None:
        return None
    return Chosen("program.py", read_program(files.program).source, stored, None)


def replay(
    bugs: Iterable[tuple[BugFiles, CompileOptions]],
    run: Run,
    *,
    original: bool = False,
    known: KnownIssues | None = None,
    on_builds: OnBuilds | None = None,
) -> Iterator[Replayed | str]:
    """A :class:`Replayed` per bug, or one line saying why a bug was passed over. A bug
    whose root cause is a known upstream issue (for any torch version fuel ships rules
    for) says so, and says when it no longer reproduces. ``on_builds``: each confirmed
    repro (``repro.py``) is also run on other builds of torch."""
    known = known if known is not None else shipped_known_issues(None)
    for files, fallback in bugs:
        try:
            chosen = what_to_replay(files, original)
        except Rejected as refused:
            yield f"{'SKIPPED':10} {files.directory.name}  {refused.reason}"
            continue
        if chosen is None:
            yield f"{'SKIPPED':10} {files.directory.name}  no stored verdict to compare with"
            continue
        options = chosen.options or files.read_options(fallback)
        now = run(chosen.source, options)
        stored, name = chosen.stored, chosen.name
        status = classify(stored, now)
        reduction = files.read_reduction()
        cause = reduction.root_cause if reduction else None
        label = known.match_class(cause) if cause else None
        builds: tuple[BuildCheck, ...] = ()
        if on_builds is not None and files.repro.is_file() and reduction and reduction.verdict:
            builds = on_builds(files.repro.read_text(encoding="utf-8"), reduction.verdict)
        yield Replayed(files.directory, name, status, stored, now, files.title(), label,
                       builds)  # fmt: skip
