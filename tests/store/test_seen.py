"""Bugs seen in earlier campaigns (``--seen``): loaded read-only, counted apart, stale."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fuel.errors import FuelError, UsageError
from fuel.judge.signature import RootCause, identity_of
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.store import CampaignStore, Summary, load_seen
from fuel.store.seen import is_seen, seen_label
from tests.store.test_store import ENV, add, crash

CAUSE = RootCause(Kind.COMPILE_CRASH, "inductor", ("torch.sin",), "LoweringException", "x")


def earlier_campaign(out: Path) -> None:
    """A finished campaign: one reduced bug (class CAUSE), one bug not yet reduced."""
    with CampaignStore.create(out, {"seed": 1}, ENV) as store:
        store.start_run(["fuel", "fuzz"])
        add(store, 1, crash("reduced one"))
        add(store, 2, crash("raw one"))
        store.classify(identity_of(crash("reduced one")).id, CAUSE)
        store.finish_run("round limit")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_seen_loads_an_older_campaigns_signatures_and_classes_read_only(tmp_path: Path) -> None:
    old = tmp_path / "old"
    earlier_campaign(old)
    before = digest(old / "campaign.db")
    seen = load_seen([old])
    assert digest(old / "campaign.db") == before  # read, never written or migrated
    label = seen_label(old)
    for message in ("reduced one", "raw one"):
        verdict = crash(message)
        identity = identity_of(verdict)
        assert seen.match(identity.text, identity.id, verdict) == label
    fresh = crash("never seen")
    assert seen.match(identity_of(fresh).text, identity_of(fresh).id, fresh) is None
    assert seen.match_class(CAUSE) == label and is_seen(label)
    assert seen.match_class(RootCause(Kind.COMPILE_CRASH, "inductor", ("torch.cos",))) is None


def test_a_bad_seen_path_is_one_usage_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^--seen .*empty: no campaign there"):
        load_seen([tmp_path / "empty"])
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "campaign.db").write_text("not a database\n")
    with pytest.raises(FuelError) as raised:
        load_seen([foreign])
    assert "foreign/campaign.db" in str(raised.value) and "\n" not in str(raised.value)


def test_seen_bugs_are_counted_apart_and_replayed_as_stale(tmp_path: Path) -> None:
    old = tmp_path / "old"
    earlier_campaign(old)
    store = CampaignStore.create(tmp_path / "new", {}, ENV, load_seen([old]))
    store.start_run([])
    add(store, 1, crash("raw one"))  # a signature the earlier campaign found
    add(store, 2, Verdict(Outcome.PASS))
    add(store, 3, crash("fresh one"))  # new; reduced below into the seen class CAUSE
    add(store, 4, crash("other one"))  # new; its class is new too
    add(store, 5, crash("other one"))  # a duplicate of test 4's
    assert not (tmp_path / "new" / "bugs" / identity_of(crash("raw one")).id).exists()
    found = store.classify(identity_of(crash("fresh one")).id, CAUSE)
    assert found.known == seen_label(old)
    store.classify(identity_of(crash("other one")).id, RootCause(Kind.COMPILE_CRASH, "dynamo"))
    summary = store.summary()
    assert (summary.bugs_unique, summary.classes_seen, summary.classes_known) == (1, 2, 0)
    assert summary.bugs_seen == 2 and summary.bugs_known == 0
    assert counted(summary) == {"new": 1, "known": 0, "seen": 2}
    replayed = [(t.test_id, t.new_bug, t.stale_bug) for t in store.history()]
    assert replayed == [(1, False, True), (2, False, False), (3, True, True), (4, True, False),
                        (5, False, True)]  # fmt: skip
    assert store.first_test_of(identity_of(crash("fresh one")).id).stale_bug  # type: ignore[union-attr]
    store.close()


def counted(summary: Summary) -> dict[str, int]:
    """``fuel status --json``'s root causes: new, known and seen ones, apart."""
    classes = summary.to_dict()["root_causes"]
    return {key: classes[key] for key in ("new", "known", "seen")}
