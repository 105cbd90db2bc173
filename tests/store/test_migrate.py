"""Campaigns written by the fuel before records (schema 1) resume, report and replay.

The fixtures are real campaign directories that the previous fuel wrote
(``tests/fixtures/campaign_v1``: 60 tests, two bugs reduced and reported;
``campaign_v1_unprocessed``: 120 tests, three bugs left unprocessed, its ``tests/``
folder left out so that opening it must rewrite the program files).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from fuel import serial
from fuel.campaign import session
from fuel.campaign.display import QuietDisplay
from fuel.execute.options import CompileSetting
from fuel.execute.records import CompileOptions
from fuel.judge.signature import RootCause, identity_of
from fuel.judge.verdict import Outcome, Verdict
from fuel.report.campaign import read_campaign
from fuel.store import CampaignStore
from fuel.store.bugdir import BugFiles
from fuel.store.schema import SCHEMA_VERSION
from fuel.triage.replay import Status, bug_directories, replay
from tests.campaign.toy import FakePool

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture(params=["campaign_v1", "campaign_v1_unprocessed"])
def old(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    out = tmp_path / request.param
    shutil.copytree(FIXTURES / request.param, out)
    return out


def stored(out: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(out / "campaign.db")
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def test_the_fixtures_are_as_the_old_fuel_wrote_them() -> None:
    for name in ("campaign_v1", "campaign_v1_unprocessed"):
        version = stored(FIXTURES / name, "SELECT value FROM meta WHERE key='schema_version'")
        assert version == [("1",)]
        text = stored(FIXTURES / name, "SELECT verdict FROM tests WHERE outcome = 'bug'")[0][0]
        assert isinstance(json.loads(str(text))["signature"], str)  # the old, textual form


def test_opening_migrates_and_keeps_every_bug_id(old: Path) -> None:
    bugs_before = stored(old, "SELECT signature_id, signature, count FROM bugs ORDER BY 1")
    with CampaignStore.open(old) as store:
        bugs = store.bugs()
        assert store.meta("schema_version") == str(SCHEMA_VERSION)
        for bug in bugs:
            verdict = store.test_verdict(bug.first_test)
            assert verdict is not None and verdict.signature is not None
            assert identity_of(verdict).id == bug.signature_id
            assert identity_of(verdict).text == bug.signature
            files = BugFiles(old / "bugs" / bug.signature_id)
            assert files.read_verdict() == verdict
        summary = store.summary()
    assert sorted((b.signature_id, b.signature, b.count) for b in bugs) == bugs_before
    assert summary.signatures == len(bugs_before) and summary.fuel_errors == 0
    # the two reduced std_mean bugs (float64, bfloat16) are one root cause, and a known
    # one (pytorch #197108, shipped in fuel/known/); bugs not yet reduced stay classes
    # of their own
    if old.name == "campaign_v1":
        assert (summary.bugs_unique, summary.classes_known) == (0, 1)
    else:
        assert (summary.bugs_unique, summary.classes_known) == (len(bugs_before), 0)
    assert len(list((old / "tests").glob("*.py"))) == summary.tests
    text = stored(old, "SELECT verdict FROM tests WHERE outcome = 'bug'")[0][0]
    assert isinstance(json.loads(str(text))["signature"], dict)  # the record form now


def test_old_tests_are_unmeasured_when_the_campaign_had_no_coverage(old: Path) -> None:
    assert stored(old, "SELECT value FROM meta WHERE key = 'settings'")  # coverage off
    CampaignStore.open(old).close()
    assert stored(old, "SELECT DISTINCT coverage_measured FROM tests") == [(0,)]
    settings = json.loads(str(stored(old, "SELECT value FROM meta WHERE key = 'settings'")[0][0]))
    assert settings["coverage"] is False and settings["coverage_policy"] == "all"
    with CampaignStore.open(old) as store:
        assert not any(test.measured for test in store.history())


def test_old_tests_are_measured_when_the_campaign_had_coverage(tmp_path: Path) -> None:
    out = tmp_path / "c"
    shutil.copytree(FIXTURES / "campaign_v1", out)
    conn = sqlite3.connect(out / "campaign.db")
    with conn:
        text = conn.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()[0]
        settings = {**json.loads(text), "coverage": True}
        conn.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (json.dumps(settings),))
    conn.close()
    CampaignStore.open(out).close()
    assert stored(out, "SELECT DISTINCT coverage_measured FROM tests") == [(1,)]


def test_status_reads_an_old_campaign(old: Path) -> None:
    with CampaignStore.read(old) as reader:
        summary = reader.summary()
    assert summary.tests in (60, 120) and summary.signatures in (2, 3)


def test_the_html_report_keeps_the_titles_of_old_reports(tmp_path: Path) -> None:
    out = tmp_path / "c"
    shutil.copytree(FIXTURES / "campaign_v1", out)
    CampaignStore.open(out).close()
    data = read_campaign(out, out)
    titles = sorted(row.title for row in data.bugs)
    assert titles[0].startswith("[inductor] Tensor.to, torch.std_mean")
    std_mean = "[inductor] torch.std_mean returns 0 where eager returns nan (float64) on CPU"
    assert titles[1] == std_mean
    assert all(row.reduced and row.repro == "confirmed" for row in data.bugs)


def test_an_old_campaign_resumes_and_its_bugs_stay_found(old: Path) -> None:
    before = stored(old, "SELECT signature_id FROM bugs ORDER BY 1")
    tests = stored(old, "SELECT COUNT(*) FROM tests")[0][0]
    assert isinstance(tests, int)
    wiring = session.Wiring(pool_factory=lambda *_: FakePool())
    changes = {"max_rounds": tests + 5, "process_bugs": False}
    finished = session.resume(changes, old, QuietDisplay(), ["resume"], wiring)
    assert finished.error is None and finished.summary.tests == tests + 5
    assert stored(old, "SELECT signature_id FROM bugs ORDER BY 1") == before
    assert finished.summary.runs == 2


def test_replay_of_an_old_campaign_compares_with_the_stored_verdicts(tmp_path: Path) -> None:
    out = tmp_path / "c"
    shutil.copytree(FIXTURES / "campaign_v1", out)

    def still_there(source: str, options: CompileOptions) -> Verdict:
        reduced = [BugFiles(d) for d in (out / "bugs").iterdir()]
        for files in reduced:
            if files.reduced.read_text() == source:
                verdict = files.reduced_verdict()
                assert verdict is not None
                return verdict
        return Verdict(Outcome.PASS)

    found = list(replay(bug_directories([out], CompileOptions()), still_there))
    assert [r.status for r in found if not isinstance(r, str)] == [Status.REPRODUCES] * 2
    assert all(not isinstance(r, str) and r.title.startswith("[inductor]") for r in found)


@pytest.mark.slow
def test_replay_of_an_old_bug_on_real_workers(tmp_path: Path, pool) -> None:  # type: ignore[no-untyped-def]
    """The reduced std_mean bug of the old campaign, judged again by this fuel."""
    from fuel.check import Checker

    out = tmp_path / "c"
    shutil.copytree(FIXTURES / "campaign_v1", out)
    bugs = list(bug_directories([out], CompileOptions()))

    def run(source: str, options: CompileOptions) -> Verdict:
        return Checker(pool, options).verdict_of(source)

    found = [r for r in replay(bugs, run) if not isinstance(r, str)]
    assert len(found) == 2
    assert all(r.status is Status.REPRODUCES for r in found), [r.line() for r in found]
    assert serial.to_data(found[0].now)["verdict"] == "bug"


def test_settings_in_either_old_spelling_migrate_to_the_one_stored_form(tmp_path: Path) -> None:
    """A campaign of schema 7: tests stored tokens (``mode=max-autotune-no-cudagraphs``),
    root-cause classes quoted strings (``mode='max-autotune-no-cudagraphs'``)."""
    out = tmp_path / "c"
    shutil.copytree(FIXTURES / "campaign_v1", out)
    CampaignStore.open(out).close()  # the campaign as schema 7 left it, but its settings
    (class_id, stored_cause), = stored(out, "SELECT class_id, root_cause FROM classes")
    old_settings = ["inductor.freezing=True", "mode='max-autotune-no-cudagraphs'"]
    cause = {**json.loads(str(stored_cause)), "settings": old_settings}
    old_text = "|".join((cause["kind"], cause["layer"], ",".join(cause["operators"]),
                         cause["exc_type"], cause["message"], ",".join(old_settings)))  # fmt: skip
    old_id = hashlib.sha1(f"class|{old_text}".encode()).hexdigest()[:12]
    tokens = ["mode=max-autotune-no-cudagraphs", "dynamic=True"]
    conn = sqlite3.connect(out / "campaign.db")
    with conn:
        conn.execute("UPDATE classes SET class_id = ?, root_cause = ?, text = ?",
                     (old_id, json.dumps(cause), old_text))  # fmt: skip
        conn.execute("UPDATE bugs SET class_id = ? WHERE class_id = ?", (old_id, class_id))
        conn.execute("UPDATE tests SET settings = ? WHERE id <= 10",
                     (json.dumps(tokens, separators=(",", ":")),))  # fmt: skip
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    conn.close()
    reduced = [BugFiles(d) for d in sorted((out / "bugs").iterdir())
               if (d / "reduction.json").is_file()]  # fmt: skip
    for bug in reduced:
        data = json.loads(bug.reduction.read_text())
        data["root_cause"]["settings"] = old_settings
        bug.reduction.write_text(json.dumps(data))
    with CampaignStore.open(out) as store:  # migrates 7 -> 8
        summary = store.summary()
        first = next(store.history())
    wanted = serial.from_data(RootCause, cause)  # read in the quoted spelling
    assert wanted.settings == (CompileSetting("inductor.freezing", True),
                               CompileSetting("mode", "max-autotune-no-cudagraphs"))  # fmt: skip
    assert stored(out, "SELECT class_id, text FROM classes") == [(wanted.id, wanted.text)]
    assert wanted.text.endswith("|inductor.freezing=True,mode=max-autotune-no-cudagraphs")
    classes = stored(out, "SELECT DISTINCT class_id FROM bugs WHERE class_id IS NOT NULL")
    assert classes == [(wanted.id,)]
    assert stored(out, "SELECT DISTINCT settings FROM tests WHERE id <= 10") == [
        (json.dumps(tokens),)]
    assert first.settings == (CompileSetting("mode", "max-autotune-no-cudagraphs"),
                              CompileSetting("dynamic", True))  # fmt: skip
    assert summary.settings_used["mode"]["max-autotune-no-cudagraphs"] == 10
    for bug in reduced:
        report = bug.read_reduction()
        assert report is not None and report.root_cause == wanted
        assert json.loads(bug.reduction.read_text())["root_cause"]["settings"] == [
            "inductor.freezing=True", "mode=max-autotune-no-cudagraphs"]
