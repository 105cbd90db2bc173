"""Reward only the new, end to end on the toy generator and the fake pool: bugs an
earlier campaign found (``--seen``) are counted apart, never processed or rewarded, and
a new signature whose class proves seen once reduced is taken back from FASA."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from fuel.campaign import session
from fuel.campaign.display import QuietDisplay
from fuel.campaign.hooks import BugProcessor
from fuel.campaign.producer import Producer
from fuel.check import Checker
from fuel.errors import UsageError
from fuel.feedback.record import Feedback
from fuel.judge.signature import RootCause
from fuel.judge.verdict import Kind
from fuel.store import CampaignStore
from fuel.store.records import NewBug, Triaged
from fuel.store.seen import seen_label
from tests.campaign.test_campaign import settings, start
from tests.campaign.toy import FakePool, register_toys
from tests.store.database import rows
from tests.store.test_seen import CAUSE, counted, earlier_campaign


@pytest.fixture(autouse=True)
def toys() -> None:
    register_toys()


class Kept(Producer):
    """The campaign's producer, kept for the test, with the corrections it was sent."""

    made: ClassVar[list[Kept]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.corrections: list[Feedback] = []
        Kept.made.append(self)

    def reconsider(self, feedback: Feedback) -> None:
        self.corrections.append(feedback)
        super().reconsider(feedback)


@pytest.fixture
def producers(monkeypatch: pytest.MonkeyPatch) -> list[Kept]:
    Kept.made = []
    monkeypatch.setattr(session, "Producer", Kept)
    return Kept.made


def folding(cause: RootCause) -> tuple[BugProcessor, ...]:
    """A bug processor that reduces every bug to ``cause``, noting what it was given."""

    def fold(bug: NewBug, checker: Checker) -> Triaged:
        return Triaged("folded", cause)

    return (BugProcessor("fold", fold),)


def test_an_earlier_campaigns_bugs_are_seen_not_reported_and_cost_their_operators(
    tmp_path: Path, producers: list[Kept]
) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    start(settings(first, max_rounds=80))
    found = rows(first, "SELECT signature_id FROM bugs")
    assert len(found) == 2  # the toy's boom and fizz
    given: list[NewBug] = []

    def note(bug: NewBug, checker: Checker) -> Triaged:
        given.append(bug)
        return Triaged("noted")

    finished = start(settings(again, seed=12, max_rounds=80, seen=(first,)),
                     processors=(BugProcessor("note", note),))  # fmt: skip
    summary = finished.summary
    assert summary.bugs_total > 0 and summary.bugs_seen == summary.bugs_total
    assert (summary.bugs_unique, summary.classes_seen) == (0, 2) and given == []
    assert counted(summary) == {"new": 0, "known": 0, "seen": 2}
    assert rows(again, "SELECT DISTINCT known FROM bugs") == [(seen_label(first),)]
    assert not (again / "bugs").exists() or not list((again / "bugs").iterdir())
    live = producers[-1]
    live.learn()  # the lessons the stopped generation thread had not taken yet
    for op in ("boom", "fizz"):  # every test of theirs was a seen bug: they lost weight
        assert live.heuristic.stats[op].average_reward(0.0) < 0  # type: ignore[attr-defined]


def test_a_new_signature_whose_class_proves_seen_is_taken_back(
    tmp_path: Path, producers: list[Kept]
) -> None:
    old, out = tmp_path / "old", tmp_path / "c"
    earlier_campaign(old)  # its bugs have other signatures; one was reduced to CAUSE
    config = settings(out, max_rounds=120, seen=(old,))
    finished = start(config, processors=folding(CAUSE))
    summary = finished.summary
    assert summary.signatures == 2 and summary.bugs_unique == 0
    assert counted(summary) == {"new": 0, "known": 0, "seen": 1}
    live = producers[-1]
    first_tests = {row[0] for row in rows(out, "SELECT first_test FROM bugs")}
    taken_back = {(fb.program.ops, fb.new_bug, fb.stale_bug) for fb in live.corrections}
    assert len(live.corrections) == 2 and all(fb.stale_bug for fb in live.corrections)
    assert {fb.program.name for fb in live.corrections} == {
        rows(out, f"SELECT name FROM tests WHERE id = {test_id}")[0][0] for test_id in first_tests
    }
    assert all(new_bug for _, new_bug, _ in taken_back)
    # Resume replays each of those tests as stale: the final word on its bug.
    with CampaignStore.read(out) as store:
        replayed = [test for test in store.history() if test.test_id in first_tests]
    assert len(replayed) == 2 and all(test.stale_bug and test.new_bug for test in replayed)


def test_only_the_first_signature_of_a_new_class_stays_rewarded(
    tmp_path: Path, producers: list[Kept]
) -> None:
    out = tmp_path / "c"
    cause = RootCause(Kind.COMPILE_CRASH, "inductor", ("torch.tan",), "LoweringException", "y")
    finished = start(settings(out, max_rounds=120), processors=folding(cause))
    assert finished.summary.bugs_unique == 1 and finished.summary.signatures == 2
    corrections = producers[-1].corrections
    assert len(corrections) == 1  # the second signature is a variant of the first's class
    first_bug = rows(out, "SELECT first_bug FROM classes")[0][0]
    variant = rows(out, f"SELECT first_test FROM bugs WHERE signature_id != '{first_bug}'")
    assert rows(out, f"SELECT name FROM tests WHERE id = {variant[0][0]}") == [
        (corrections[0].program.name,)
    ]


def test_seen_naming_this_campaign_or_no_campaign_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "c"
    start(settings(out, max_rounds=5))
    wiring = session.Wiring(pool_factory=lambda *_: FakePool())
    with pytest.raises(UsageError, match="that is this campaign"):
        session.resume({"seen": (out,)}, out, QuietDisplay(), ["again"], wiring)
    with pytest.raises(UsageError, match="no campaign there"):
        start(settings(tmp_path / "d", max_rounds=5, seen=(tmp_path,)))
    assert not (tmp_path / "d").exists()
