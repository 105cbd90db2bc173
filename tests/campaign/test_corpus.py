"""Corpus admission and the choice of what to mutate."""

from __future__ import annotations

import random
from collections import Counter

from fuel.campaign.corpus import Admission, Corpus, credit_of
from fuel.feedback.record import Feedback
from fuel.judge.verdict import Outcome, Verdict
from fuel.program.record import Program


def feedback(
    ops: tuple[str, ...],
    new_lines: int = 0,
    outcome: Outcome = Outcome.PASS,
    new_bug: bool = False,
    measured: bool = True,
) -> Feedback:
    return Feedback(Program("", ops=ops), Verdict(outcome), new_lines, (), new_bug, (), measured)


def test_measured_tests_enter_only_with_new_lines_or_new_bugs() -> None:
    admission = Admission()
    assert admission.admits(feedback(("a",), new_lines=3))
    assert not admission.admits(feedback(("b",)))
    assert admission.admits(feedback(("b",), new_bug=True, outcome=Outcome.BUG))
    assert not admission.admits(feedback(("c",), new_lines=9, outcome=Outcome.INVALID))


def test_unmeasured_programs_bringing_a_new_operator_enter() -> None:
    admission = Admission()
    assert admission.admits(feedback(("b", "a"), measured=False))
    assert not admission.admits(feedback(("a",), measured=False))
    assert not admission.admits(feedback(("c",), outcome=Outcome.REJECTED, measured=False))
    assert admission.admits(feedback(("a", "c"), measured=False))
    assert admission.admits(feedback(("a",), new_bug=True, outcome=Outcome.BUG, measured=False))
    assert not admission.admits(feedback(("d",)))  # measured, nothing new: a new operator
    assert not admission.admits(feedback(("d",), measured=False))  # is new only once


def test_picks_favour_credit_and_spread_over_entries() -> None:
    corpus = Corpus()
    assert corpus.pick(random.Random(0)) is None
    corpus.add(1, Program("one"), credit_of(30_000, False))
    corpus.add(2, Program("two"), credit_of(0, False))
    corpus.add(3, Program("three"), credit_of(50, True))
    corpus.add(4, Program("four"), credit_of(40, False))
    rng = random.Random(1)
    picks = Counter(entry.test_id for entry in (corpus.pick(rng) for _ in range(300)) if entry)
    assert picks[1] > picks[3] > picks[4] > picks[2] > 0
    assert picks[1] < 3 * picks[4]  # the first test's baseline lines do not drown the rest
    assert sum(e.times_mutated for e in corpus.entries) == 300
