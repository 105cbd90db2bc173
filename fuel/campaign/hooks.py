"""Bug processors: what runs after a new unique bug is recorded (reduce, repro, report).

A :class:`BugProcessor` is a name and a function ``(bug, checker) -> Triaged``; the
composition root (``fuel fuzz``, ``fuel reduce OUT``) passes the campaign the ones it
wants, in order (``--no-reduce``: none). They run one bug at a time on a thread of
their own so the campaign keeps testing. They may check programs through ``checker``
(the campaign's warm workers, shared with the campaign, and its compile options;
paced to a share of the workers' time by :class:`~fuel.check.share.ShareGate` while
the campaign tests) and
write files into ``bug.directory`` atomically; each returns one line for the display
(the report's title) and, once it has reduced the bug, its root-cause class, which the
campaign records. A processor that raises is recorded in
``bugs.processing_error`` and the next one still runs. ``bugs.processed`` is set once
all have run, so bugs whose processing a kill or Ctrl-C interrupted are processed
again on ``--resume``.
"""

from __future__ import annotations

import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from fuel.check import Checker
from fuel.check.share import ShareGate
from fuel.judge.signature import RootCause
from fuel.store import CampaignStore
from fuel.store.records import NewBug, Triaged


@dataclass(frozen=True, slots=True)
class BugProcessor:
    name: str
    process: Callable[[NewBug, Checker], Triaged]


@dataclass(frozen=True, slots=True)
class Processed:
    signature_id: str
    line: str  # what the processors said (the report's title), "" if nothing
    error: str | None  # the failures, one line each, or None
    root_cause: RootCause | None = None  # the bug's class, once a processor found it
    fixed_in: str = ""  # a newer torch build that no longer shows it (--also-on)


def process(bug: NewBug, checker: Checker, processors: tuple[BugProcessor, ...]) -> Processed:
    """Run every processor on one bug."""
    lines, errors, cause, fixed_in = [], [], None, ""
    for processor in processors:
        try:
            triaged = processor.process(bug, checker)
        except Exception as error:  # a processor's failure must not stop the campaign
            last = traceback.format_exception_only(error)[-1].strip()
            errors.append(f"{processor.name}: {last}")
            continue
        lines.append(triaged.line)
        cause = triaged.root_cause or cause
        fixed_in = triaged.fixed_in or fixed_in
    return Processed(bug.signature_id, " · ".join(line for line in lines if line),
                     "\n".join(errors) or None, cause, fixed_in)  # fmt: skip


class BugProcessing:
    """A thread that processes new bugs in the order found; results come back by queue
    because only the campaign's thread writes the database."""

    def __init__(
        self,
        checker: Checker,
        processors: tuple[BugProcessor, ...],
        gate: ShareGate | None = None,
    ) -> None:
        self.checker = checker
        self.gate = gate  # paces the processors' runs to their share (the checker's runner)
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

    def unpace(self) -> None:
        """The campaign has stopped testing: the bugs left may take every worker."""
        if self.gate is not None:
            self.gate.open()

    def stop(self) -> None:
        """Start no further bug; the queue is left for ``fuel reduce OUT`` or a resume."""
        self._stopping.set()
        self.unpace()  # a processor waiting for its turn goes on, and sees the stop
        self._inbox.put(None)

    def _serve(self) -> None:
        while (bug := self._inbox.get()) is not None and not self._stopping.is_set():
            self.done.put(process(bug, self.checker, self.processors))


@dataclass(frozen=True, slots=True)
class Noted:
    """A processed bug, recorded: the line to show, and whether its class proved stale
    (known, seen in a --seen campaign, or found first by another of this campaign's
    bugs), so that what its test earned as a new bug is taken back."""

    line: str
    stale: bool = False


def record_processed(store: CampaignStore, processed: Processed) -> Noted:
    """Record a processed bug (and its class) in the store."""
    store.mark_processed(processed.signature_id, processed.error)
    line = f"bug {processed.signature_id}: {processed.error or processed.line or 'done'}"
    if processed.root_cause is None:
        return Noted(line)
    found = store.classify(processed.signature_id, processed.root_cause, processed.fixed_in)
    if found.known:
        return Noted(f"{line} ({found.known})", stale=True)
    if found.fixed_in:
        return Noted(f"{line} (fixed in torch {found.fixed_in})", stale=True)
    what = "new root cause" if found.new else "a variant of"
    return Noted(f"{line} ({what} {found.class_id})", stale=not found.new)
