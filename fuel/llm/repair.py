"""Self-repair bookkeeping.

A repair is asked of the generation model with the program and its eager error. The
repaired program is a new program that the campaign checks like any other (the one
repair loop is the campaign's: ``fuel.campaign.producer``), so the generator cannot
know at once whether a repair worked: :class:`RepairTracker` links each repaired
program to the original (its *root*) and settles the root when a verdict arrives
through ``observe``: repaired when eager ran, failed when the last allowed attempt is
still invalid or the model gave nothing usable. The success rate is repaired / settled.
"""

from __future__ import annotations

import threading

from fuel.judge.verdict import Outcome, Verdict
from fuel.llm.status import RepairStats
from fuel.program.record import Program

NOT_VALID = frozenset({Outcome.INVALID, Outcome.REJECTED})


def needs_repair(verdict: Verdict) -> bool:
    return verdict.outcome is Outcome.INVALID


class RepairTracker:
    """Links repaired programs to their root and counts how each root's repair ended."""

    def __init__(self, max_repairs: int) -> None:
        self.max_repairs = max_repairs
        self._root: dict[str, str] = {}  # repaired program's digest -> root's digest
        self._attempt: dict[str, int] = {}  # repaired program's digest -> its attempt
        self._open: set[str] = set()  # roots under repair
        self._stats = RepairStats()
        self._lock = threading.Lock()

    def stats(self) -> RepairStats:
        with self._lock:
            return self._stats

    def attempts_used(self, program: Program) -> int:
        return self._attempt.get(program.digest, 0)

    def begin(self, program: Program) -> bool:
        """A repair of ``program`` is asked for: may one more attempt be made?

        A program that is not itself a repair starts a new root, even if the same text
        was repaired before (its repair prompt is then a cache hit, free).
        """
        with self._lock:
            root = self._root.get(program.digest, program.digest)
            if self.attempts_used(program) >= self.max_repairs:
                self._settle(root, repaired=False)
                return False
            s = self._stats
            opened = root not in self._open
            self._open.add(root)
            self._stats = RepairStats(s.programs + opened, s.requests + 1, s.repaired, s.failed)
            return True

    def made(self, original: Program, repaired: Program) -> None:
        with self._lock:
            self._root[repaired.digest] = self._root.get(original.digest, original.digest)
            self._attempt[repaired.digest] = self.attempts_used(original) + 1

    def failed(self, program: Program) -> None:
        """The model gave nothing usable for ``program``: its root's repair failed."""
        with self._lock:
            self._settle(self._root.get(program.digest, program.digest), repaired=False)

    def observed(self, program: Program, verdict: Verdict) -> None:
        with self._lock:
            root = self._root.get(program.digest)
            if root is None or root not in self._open:
                return
            if verdict.outcome not in NOT_VALID:
                self._settle(root, repaired=True)
            elif self._attempt[program.digest] >= self.max_repairs:
                self._settle(root, repaired=False)

    def _settle(self, root: str, *, repaired: bool) -> None:
        if root not in self._open:
            return
        self._open.discard(root)
        s = self._stats
        self._stats = RepairStats(
            s.programs, s.requests, s.repaired + int(repaired), s.failed + int(not repaired)
        )
