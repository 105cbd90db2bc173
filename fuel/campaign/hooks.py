"""Bug processors: what runs after a new unique bug is recorded (reduce, repro, report).

A processor is a function ``(bug: NewBug, context: BugContext) -> None`` registered
under a name with :func:`register_bug_processor`; processors run in ``order`` (then
name), one bug at a time, on a thread of their own so the campaign keeps testing.
They may run programs through ``context.pool`` (the campaign's warm workers, shared
with the campaign) and write files into ``bug.directory``, atomically (temporary file
and rename). A processor that raises is recorded in ``bugs.processing_error`` and the
next one still runs. ``bugs.processed`` is set once all have run, so bugs whose
processing a kill or Ctrl-C interrupted are processed again on ``--resume``.
``fuel fuzz --no-reduce`` runs none.

Modules in ``PROVIDERS`` are imported before the first bug, so that they can register;
a provider that does not exist yet is skipped.
"""

from __future__ import annotations

import importlib
import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Verdict
from fuel.program.record import Program

PROVIDERS: tuple[str, ...] = ("fuel.reduce.hooks",)


@dataclass(frozen=True, slots=True)
class NewBug:
    signature_id: str
    directory: Path  # OUT/bugs/<signature_id>/, holding program.py and verdict.json
    test_id: int  # the first test that showed it (tests.id)
    program: Program
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class BugContext:
    pool: WorkerPool
    options: CompileOptions  # how the campaign compiled the program
    out: Path  # the campaign directory


BugProcessor = Callable[[NewBug, BugContext], None]


@dataclass(frozen=True, slots=True)
class Registered:
    name: str
    order: int
    process: BugProcessor


_PROCESSORS: dict[str, Registered] = {}


def register_bug_processor(name: str, order: int = 100) -> Callable[[BugProcessor], BugProcessor]:
    def decorate(process: BugProcessor) -> BugProcessor:
        if name in _PROCESSORS:
            raise ValueError(f"bug processor {name!r} registered twice")
        _PROCESSORS[name] = Registered(name, order, process)
        return process

    return decorate


def bug_processors() -> tuple[Registered, ...]:
    for module in PROVIDERS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as missing:
            if missing.name is None or not module.startswith(missing.name):
                raise
    return tuple(sorted(_PROCESSORS.values(), key=lambda r: (r.order, r.name)))


def process(bug: NewBug, context: BugContext, processors: tuple[Registered, ...]) -> str | None:
    """Run every processor on one bug; the failures, one line each, or None."""
    errors = []
    for registered in processors:
        try:
            registered.process(bug, context)
        except Exception as error:  # a processor's failure must not stop the campaign
            last = traceback.format_exception_only(error)[-1].strip()
            errors.append(f"{registered.name}: {last}")
    return "\n".join(errors) or None


@dataclass(frozen=True, slots=True)
class Processed:
    signature_id: str
    error: str | None


class BugProcessing:
    """A thread that processes new bugs in the order found; results come back by queue
    because only the campaign's thread writes the database."""

    def __init__(self, context: BugContext, processors: tuple[Registered, ...]) -> None:
        self.context = context
        self.processors = processors
        self._inbox: queue.Queue[NewBug | None] = queue.Queue()
        self.done: queue.Queue[Processed] = queue.Queue()
        self.pending = 0  # submitted, not yet reported back through ``done``
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fuel-bugs", daemon=True)
        self._thread.start()

    def submit(self, bug: NewBug) -> None:
        self.pending += 1
        self._inbox.put(bug)

    def finished(self) -> list[Processed]:
        results = []
        while True:
            try:
                results.append(self.done.get_nowait())
            except queue.Empty:
                break
        self.pending -= len(results)
        return results

    def stop(self) -> None:
        """Start no further bug; the queue is left for ``fuel reduce OUT`` or a resume."""
        self._stopping.set()
        self._inbox.put(None)

    def _serve(self) -> None:
        while (bug := self._inbox.get()) is not None and not self._stopping.is_set():
            self.done.put(Processed(bug.signature_id, process(bug, self.context, self.processors)))
