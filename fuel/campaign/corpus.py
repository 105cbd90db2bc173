"""The corpus: programs that brought something new, kept to be mutated later.

A program enters when it covered compiler lines no earlier test had reached, or found
a new bug; when its coverage was not measured (coverage off, or the coverage policy
skipped it), when it was the first valid program to use one of its operators. Which
entry is mutated next is drawn with weight ``credit / (1 + times mutated)``, where
credit grows with the logarithm of the new lines: programs that opened more new code
are dug into first, but the campaign's first test (which "opens" the tens of
thousands of lines every compile runs) does not drown the rest, and no entry is
mutated over and over while others wait. The corpus is rebuilt from the store on
resume (tests with ``corpus = 1``; times mutated counted from their children).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from fuel.feedback.heuristic import is_invalid
from fuel.feedback.record import Feedback
from fuel.program.record import Program

BUG_LINES = 1000  # a new bug credits its program as a thousand new lines would
MIN_CREDIT = 1.0  # an entry admitted without new lines (not measured) still gets drawn


@dataclass(slots=True)
class CorpusEntry:
    test_id: int
    program: Program
    credit: float
    times_mutated: int = 0

    @property
    def weight(self) -> float:
        return self.credit / (1 + self.times_mutated)


def credit_of(new_lines: int, new_bug: bool) -> float:
    """1 + ln(1 + lines): 10 new lines weigh 3.4, a thousand 7.9, thirty thousand 11.3."""
    return MIN_CREDIT + math.log1p(new_lines + (BUG_LINES if new_bug else 0))


class Admission:
    """Decides who enters, on the campaign's thread, before the test is recorded."""

    def __init__(self) -> None:
        self._operators: set[str] = set()  # used by valid programs so far

    def admits(self, feedback: Feedback) -> bool:
        """Should the program of this test join the corpus? Call once per test, in order."""
        if is_invalid(feedback):
            return False
        fresh = not self._operators.issuperset(feedback.program.ops)
        self._operators.update(feedback.program.ops)
        if feedback.new_lines > 0 or feedback.new_bug:
            return True
        return not feedback.measured and fresh


class Corpus:
    """The entries, owned by the generation thread (which adds and mutates)."""

    def __init__(self) -> None:
        self.entries: list[CorpusEntry] = []

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, test_id: int, program: Program, credit: float, times_mutated: int = 0) -> None:
        self.entries.append(CorpusEntry(test_id, program, credit, times_mutated))

    def pick(self, rng: random.Random) -> CorpusEntry | None:
        """An entry to mutate (counted as mutated), or None when the corpus is empty."""
        if not self.entries:
            return None
        entry = rng.choices(self.entries, weights=[e.weight for e in self.entries])[0]
        entry.times_mutated += 1
        return entry
