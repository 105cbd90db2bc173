"""The round loop end to end on the toy generator and the fake pool (no compiling)."""

from __future__ import annotations

import json
import time
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fuel import serial
from fuel.campaign import loop, session
from fuel.campaign.display import QuietDisplay, render_summary
from fuel.campaign.hooks import BugProcessor
from fuel.campaign.loop import FUEL_ERRORS_LOG, MAX_FUEL_ERRORS
from fuel.campaign.producer import Producer
from fuel.campaign.settings import CampaignSettings
from fuel.check import Checker
from fuel.check.share import ShareGate
from fuel.errors import UsageError
from fuel.execute.options import apply as apply_settings
from fuel.execute.options import parse_all
from fuel.execute.records import CompileOptions, ExitStatus, RunResult
from fuel.generate.base import GeneratorStatus
from fuel.judge.signature import RootCause
from fuel.judge.verdict import Kind
from fuel.program import ProgramSpec
from fuel.store.bugdir import BugFiles
from fuel.store.records import NewBug, Triaged
from tests.campaign.toy import FakePool, register_toys
from tests.store.database import rows


@pytest.fixture(autouse=True)
def toys() -> None:
    register_toys()


class Seen(list[NewBug]):
    """The bugs the test's processors were given; ``processors`` are those processors."""

    processors: tuple[BugProcessor, ...] = ()


@pytest.fixture
def processed() -> Seen:
    """Bug processors for the test, recording what they were given."""
    seen = Seen()

    def note(bug: NewBug, checker: Checker) -> Triaged:
        seen.append(bug)
        (bug.directory / "report.md").write_text(f"bug {bug.signature_id}\n")
        return Triaged(f"noted {bug.signature_id}")

    def fail(bug: NewBug, checker: Checker) -> Triaged:
        raise RuntimeError("cannot reduce this one")

    seen.processors = (BugProcessor("test-note", note), BugProcessor("test-fail", fail))
    return seen


def settings(out: Path, **changes: Any) -> CampaignSettings:
    base: dict[str, Any] = {"generator": "toy", "seed": 11, "max_rounds": 80, "jobs": 2}
    return CampaignSettings(out=out, **{**base, **changes})


def start(
    config: CampaignSettings,
    pool: FakePool | None = None,
    processors: tuple[BugProcessor, ...] = (),
) -> session.Finished:
    wiring = session.Wiring(processors, lambda *_: pool or FakePool())
    return session.start(config, QuietDisplay(), ["test"], wiring)


def test_runs_exactly_the_round_limit_and_records_everything(tmp_path: Path) -> None:
    pool = FakePool(delay_s=0.002)
    finished = start(settings(tmp_path / "c"), pool)
    assert finished.reason == "round limit" and finished.error is None
    summary = finished.summary
    assert summary.tests == 80 == pool.submitted + summary.rejected and not summary.running
    assert pool.closed
    ids = [r[0] for r in rows(tmp_path / "c", "SELECT id FROM tests ORDER BY id")]
    assert ids == list(range(1, 81))
    assert len(list((tmp_path / "c" / "tests").glob("*.py"))) == 80
    assert summary.covered_lines == 3 * len(
        rows(tmp_path / "c", "SELECT DISTINCT file FROM coverage")
    )


def test_duplicates_share_one_directory_and_count(tmp_path: Path) -> None:
    out = tmp_path / "c"
    finished = start(settings(out, max_rounds=120))
    bugs = rows(out, "SELECT signature_id, count FROM bugs")
    assert finished.summary.bugs_unique == len(bugs) == 2  # boom and fizz
    assert sorted(p.name for p in (out / "bugs").iterdir()) == sorted(b[0] for b in bugs)
    per_signature = dict(
        rows(
            out,
            "SELECT signature_id, COUNT(*) FROM tests WHERE outcome = 'bug' GROUP BY signature_id",
        )
    )
    assert per_signature == dict(bugs)
    assert finished.summary.bugs_total == sum(per_signature.values())


def test_invalid_programs_are_repaired_and_corpus_programs_mutated(tmp_path: Path) -> None:
    out = tmp_path / "c"
    start(settings(out, max_rounds=150, mutate_share=0.5))
    repaired = rows(
        out,
        "SELECT t.ops, p.ops, p.outcome FROM tests t JOIN tests p "
        "ON p.id = t.parent WHERE t.origin = 'repair'",
    )
    assert repaired
    for ops, parent_ops, parent_outcome in repaired:
        assert parent_outcome == "invalid" and "bad" in json.loads(parent_ops)
        assert "bad" not in json.loads(ops)
    mutated = rows(
        out,
        "SELECT p.corpus, t.id > p.id FROM tests t JOIN tests p "
        "ON p.id = t.parent WHERE t.origin = 'mutation'",
    )
    assert mutated and all(corpus == 1 and later for corpus, later in mutated)
    in_corpus = rows(out, "SELECT new_lines, new_bug, coverage_measured FROM tests "
                          "WHERE corpus = 1")  # fmt: skip
    # measured: it brought new lines or a new bug; unmeasured: a new operator
    assert in_corpus and all(lines > 0 or bug or not measured
                             for lines, bug, measured in in_corpus)  # fmt: skip
    assert any(measured for _, _, measured in in_corpus)


def test_bug_processors_run_once_per_new_bug_and_failures_are_recorded(
    tmp_path: Path, processed: Seen
) -> None:
    out = tmp_path / "c"
    start(settings(out, max_rounds=100), processors=processed.processors)
    bugs = rows(out, "SELECT signature_id, processed, processing_error FROM bugs")
    assert sorted(b.signature_id for b in processed) == sorted(b[0] for b in bugs)
    for signature_id, done, error in bugs:
        assert done == 1 and error == "test-fail: RuntimeError: cannot reduce this one"
        assert (out / "bugs" / signature_id / "report.md").exists()
    first = processed[0]
    assert (out / "tests" / f"{first.test_id:06d}.py").read_text() == first.program.source


def test_no_reduce_runs_no_processor(tmp_path: Path, processed: Seen) -> None:
    config = settings(tmp_path / "c", max_rounds=100, process_bugs=False)
    start(config, processors=processed.processors)
    assert processed == []
    assert rows(tmp_path / "c", "SELECT COUNT(*) FROM bugs WHERE processed = 1") == [(0,)]


def test_resume_continues_numbering_and_learnt_state(tmp_path: Path) -> None:
    out = tmp_path / "c"
    start(settings(out, max_rounds=40, coverage=True))
    before = rows(out, "SELECT id, digest, outcome FROM tests ORDER BY id")
    wiring = session.Wiring(pool_factory=lambda *_: FakePool())
    finished = session.resume({"max_rounds": 90}, out, QuietDisplay(), ["again"], wiring)
    after = rows(out, "SELECT id, digest, outcome FROM tests ORDER BY id")
    assert finished.summary.tests == 90 and finished.summary.runs == 2
    assert after[:40] == before and [r[0] for r in after] == list(range(1, 91))
    # the coverage union survived: the resumed run re-found no line as new
    new_again = rows(out, "SELECT SUM(new_lines) FROM tests WHERE id > 40")[0][0]
    covered_before = rows(out, "SELECT covered_lines FROM tests WHERE id = 40")[0][0]
    assert finished.summary.covered_lines == covered_before + new_again
    assert rows(out, "SELECT COUNT(*) FROM coverage")[0][0] == finished.summary.covered_lines
    stored = json.loads(rows(out, "SELECT value FROM meta WHERE key = 'settings'")[0][0])
    assert stored["max_rounds"] == 90 and stored["seed"] == 11


def test_time_limit_stops_the_campaign(tmp_path: Path) -> None:
    finished = start(
        settings(tmp_path / "c", max_rounds=None, time_limit_s=0.5), FakePool(delay_s=0.01)
    )
    assert finished.reason == "time limit"
    assert 0.5 <= finished.summary.elapsed_s < 3.0 and finished.summary.tests > 5


class HangingPool(FakePool):
    """Answers its first ``answered`` jobs, then never answers (a second look alone at a
    slow program runs several test limits)."""

    def __init__(self, answered: int) -> None:
        super().__init__(delay_s=0.01)
        self.answered = answered

    def submit(self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None,
               coverage: bool = False) -> Future[RunResult]:  # fmt: skip
        if self.submitted >= self.answered:
            self.submitted += 1
            hanging: Future[RunResult] = Future()
            hanging.set_running_or_notify_cancel()
            return hanging
        return super().submit(spec, options, timeout_s, coverage)


def test_time_limit_waits_one_test_limit_for_running_tests_then_leaves_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loop, "WIND_DOWN_MARGIN_S", 0.2)
    config = settings(tmp_path / "c", max_rounds=None, time_limit_s=0.5, timeout_s=0.5)
    began = time.monotonic()
    finished = start(config, HangingPool(answered=6))
    assert finished.reason == "time limit"
    assert time.monotonic() - began < 0.5 + 0.5 + 0.2 + 3.0  # limit, test limit, margin, start-up
    assert finished.summary.tests == 6  # the answered ones, recorded; the hanging ones not
    wiring = session.Wiring(pool_factory=lambda *_: FakePool())
    again = {"time_limit_s": None, "max_rounds": 10}
    resumed = session.resume(again, config.out, QuietDisplay(), ["again"], wiring)
    assert resumed.summary.tests == 10 and [r[0] for r in rows(config.out, "SELECT id FROM tests")
                                            ] == list(range(1, 11))  # fmt: skip


def test_a_generator_that_never_works_ends_the_campaign_with_an_error(tmp_path: Path) -> None:
    finished = start(settings(tmp_path / "c", generator="broken"))
    assert finished.error is not None and "failed 200 times in a row" in str(finished.error)
    assert finished.reason.startswith("error:") and finished.summary.tests == 0


def test_generation_failures_are_skipped_not_recorded(tmp_path: Path) -> None:
    from tests.campaign import toy

    class Sometimes(toy.ToyGenerator):
        def __init__(self) -> None:
            super().__init__(reject_every=3)

    from fuel.generate import registry

    if "sometimes" not in registry.names():
        registry.register("sometimes")(lambda _: Sometimes())
    finished = start(settings(tmp_path / "c", generator="sometimes", max_rounds=30))
    assert finished.summary.tests == 30 and finished.error is None


def test_unknown_generator_and_existing_directory_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="unknown generator 'nope'"):
        start(settings(tmp_path / "a", generator="nope"))
    assert not (tmp_path / "a").exists()
    start(settings(tmp_path / "b", max_rounds=2))
    with pytest.raises(UsageError, match="already holds a campaign"):
        start(settings(tmp_path / "b", max_rounds=2))


OWN_STATUS = json.dumps({"mode": "stopped", "cost_usd": 0.01})


def test_a_generator_that_says_stop_ends_the_campaign_gracefully(tmp_path: Path) -> None:
    from fuel.generate import registry
    from tests.campaign import toy

    class Budgeted(toy.ToyGenerator):
        @property
        def should_stop(self) -> bool:
            return self.calls >= 10

        def status(self) -> GeneratorStatus:
            return GeneratorStatus("llm test-model · $0.0100/$0.01", 0.01, OWN_STATUS)

        def cost_report(self) -> str:
            return OWN_STATUS

    if "budgeted" not in registry.names():
        registry.register("budgeted")(lambda _: Budgeted())
    out = tmp_path / "c"
    finished = start(settings(out, generator="budgeted", max_rounds=None, mutate_share=0.0))
    assert finished.error is None
    assert finished.reason == "stopped: the generator stopped: llm test-model · $0.0100/$0.01"
    generated = rows(out, "SELECT COUNT(*) FROM tests WHERE origin = 'toy'")[0][0]
    assert generated == 10  # every program it made before stopping was tested
    stored = rows(out, "SELECT value FROM meta WHERE key = 'generator_status'")[0][0]
    status = serial.loads(GeneratorStatus, stored)
    assert json.loads(status.details) == {"mode": "stopped", "cost_usd": 0.01}
    assert status.spent_usd == 0.01 and finished.summary.spent_usd == 0.01
    cost = rows(out, "SELECT value FROM meta WHERE key = 'generator_cost'")[0][0]
    assert json.loads(cost) == {"mode": "stopped", "cost_usd": 0.01}


def test_operator_universe_comes_from_the_generator() -> None:
    from fuel.generate.base import Generator

    class Listing(Generator):
        def __init__(self, names: tuple[str, ...]) -> None:
            self.names = names

        def operators(self) -> tuple[str, ...]:
            return self.names

    assert session.operators_of(Listing(("b", "a", "b"))) == ("a", "b")
    assert session.operators_of(Listing(("c",))) == ("c",)
    assert session.operators_of(Generator()) == ()


def test_time_limit_leaves_slow_bug_processing_for_fuel_reduce(tmp_path: Path) -> None:
    """A time limit bounds the wall time: bugs still queued for (slow) reduction stay
    unprocessed, and processing the campaign directory later finishes exactly those."""
    import threading

    release = threading.Event()
    seen: list[str] = []

    def slow(bug: NewBug, checker: Checker) -> Triaged:
        seen.append(bug.signature_id)
        release.wait(10)  # the first bug holds the bug thread past the time limit
        return Triaged()

    processors = (BugProcessor("test-slow", slow),)
    out = tmp_path / "c"
    config = settings(out, max_rounds=None, time_limit_s=1.0)
    finished = start(config, FakePool(delay_s=0.01), processors)
    release.set()
    assert finished.reason == "time limit"
    bugs = rows(out, "SELECT signature_id, processed FROM bugs ORDER BY first_test")
    assert len(bugs) >= 2, "the toy should find both of its bugs within a second"
    assert [done for _, done in bugs].count(0) >= 1

    seen.clear()
    logged: list[str] = []
    wiring = session.Wiring(processors, lambda *_: FakePool())
    count = session.process_pending_bugs(out, 1, logged.append, wiring)
    waiting = [sid for sid, done in bugs if not done]
    assert count == len(waiting) and sorted(seen) == sorted(waiting)
    assert rows(out, "SELECT COUNT(*) FROM bugs WHERE processed = 0") == [(0,)]
    assert session.process_pending_bugs(out, 1, logged.append, wiring) == 0
    assert logged[-1].endswith("no bug waits for processing")


class FailingWorkers(FakePool):
    """Every third job, fuel's own code fails inside the worker."""

    def submit(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> Future[RunResult]:
        future = super().submit(spec, options, timeout_s, coverage)
        if self.submitted % 3:
            return future
        failed: Future[RunResult] = Future()
        failed.set_result(
            RunResult(
                ExitStatus.WORKER_ERROR,
                detail="ValueError: fuel broke",
                fuel_traceback="Traceback: in fuel/execute/runner.py",
            )
        )
        return failed


def test_fuel_own_failures_are_counted_logged_and_stop_the_campaign(tmp_path: Path) -> None:
    out = tmp_path / "c"
    finished = start(settings(out, max_rounds=200), FailingWorkers())
    assert finished.error is not None and finished.reason.startswith("error:")
    assert f"fuel's own code failed on {MAX_FUEL_ERRORS} tests" in str(finished.error)
    # the tests in flight when it stopped are still recorded: one more may have failed
    failed = finished.summary.fuel_errors
    assert MAX_FUEL_ERRORS <= failed <= MAX_FUEL_ERRORS + 2 and failed < finished.summary.tests
    assert finished.summary.tests < 200
    skipped = rows(out, "SELECT outcome FROM tests WHERE fuel_error = 1")
    assert skipped == [("skipped",)] * failed
    log = (out / FUEL_ERRORS_LOG).read_text()
    assert log.count("ValueError: fuel broke") == failed
    assert "Traceback: in fuel/execute/runner.py" in log
    assert "fuel errors" in render_summary(finished.summary)


def test_bugs_whose_reduced_programs_share_a_root_cause_are_one_class(tmp_path: Path) -> None:
    """The toy's two crashes (boom, fizz) reduce, say, to the same lowering failure."""
    cause = RootCause(Kind.COMPILE_CRASH, "inductor", ("torch.sin",), "LoweringException", "x")

    def fold(bug: NewBug, checker: Checker) -> Triaged:
        return Triaged("folded", cause)

    out = tmp_path / "c"
    finished = start(settings(out, max_rounds=120), processors=(BugProcessor("fold", fold),))
    summary = finished.summary
    assert summary.signatures == 2 and summary.bugs_unique == 1
    assert rows(out, "SELECT COUNT(DISTINCT class_id) FROM bugs") == [(1,)]
    assert rows(out, "SELECT class_id, text FROM classes") == [(cause.id, cause.text)]
    digest = (out / "bug_reports.txt").read_text()
    assert "1 root cause(s)" in digest and digest.count("    variant ") == 2
    timeline = rows(out, "SELECT bugs_unique FROM timeline ORDER BY tests DESC LIMIT 1")
    assert timeline == [(1,)]


def test_a_class_that_matches_a_known_issue_is_not_counted_as_new(tmp_path: Path) -> None:
    cause = RootCause(Kind.COMPILE_CRASH, "inductor", ("torch.sin",), "LoweringException", "x")
    known = tmp_path / "known.txt"
    known.write_text("class: compile_crash|inductor|torch.sin|*\n")

    def fold(bug: NewBug, checker: Checker) -> Triaged:
        return Triaged("folded", cause)

    out = tmp_path / "c"
    config = settings(out, max_rounds=120, known_issues=known)
    finished = start(config, processors=(BugProcessor("fold", fold),))
    assert finished.summary.bugs_unique == 0 and finished.summary.classes_known == 1
    rule = "class: compile_crash|inductor|torch.sin|*"
    assert rows(out, "SELECT known FROM classes") == [(rule,)]
    assert "known issues (not reported again)" in (out / "bug_reports.txt").read_text()


def test_explored_settings_are_stored_per_test_counted_and_kept_on_resume(
    tmp_path: Path, processed: Seen
) -> None:
    out = tmp_path / "c"
    config = settings(out, max_rounds=60, settings_mode="explore", pinned=("fullgraph",))
    first = start(config, processors=processed.processors)
    stored = [tuple(json.loads(row[0])) for row in rows(out, "SELECT settings FROM tests")]
    assert any(stored) and not any(t.startswith("fullgraph=") for s in stored for t in s)
    used = first.summary.settings_used
    assert used and all(sum(values.values()) == 60 for values in used.values())
    assert processed, "the toy's crashes are bugs"
    for bug in processed:  # each bug is processed with the settings its test ran with
        stored_texts = rows(out, f"SELECT settings FROM tests WHERE id = {bug.test_id}")[0][0]
        assert bug.options == apply_settings(config.options, parse_all(json.loads(stored_texts)))
        saved = BugFiles(out / "bugs" / bug.signature_id).read_options()
        assert saved == bug.options
    wiring = session.Wiring(pool_factory=lambda *_: FakePool())
    again = session.resume({"max_rounds": 100}, out, QuietDisplay(), ["again"], wiring)
    later = [tuple(json.loads(r[0])) for r in rows(out, "SELECT settings FROM tests WHERE id > 60")]
    assert again.summary.tests == 100 and any(later)
    stored_settings = json.loads(rows(out, "SELECT value FROM meta WHERE key = 'settings'")[0][0])
    assert stored_settings["settings_mode"] == "explore" and stored_settings["pinned"] == [
        "fullgraph"
    ]


def test_unmeasured_tests_are_stored_as_such_and_resume_relearns_what_was_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    producers: list[Producer] = []

    class Kept(Producer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            producers.append(self)

    monkeypatch.setattr(session, "Producer", Kept)
    out, pool = tmp_path / "c", FakePool()
    config = settings(out, max_rounds=80, coverage_policy="new", settings_mode="explore")
    start(config, pool)
    live = producers[-1]
    live.learn()  # the lessons the stopped generation thread had not taken yet
    measured = rows(out, "SELECT SUM(coverage_measured) FROM tests")[0][0]
    assert 0 < measured < 80 and measured == pool.measured
    unmeasured_lines = rows(out, "SELECT SUM(new_lines) FROM tests WHERE coverage_measured = 0")
    assert unmeasured_lines == [(0,)]
    wiring = session.Wiring(pool_factory=lambda *_: FakePool())
    session.resume({"max_rounds": 80}, out, QuietDisplay(), ["again"], wiring)
    replayed = producers[-1]
    assert replayed is not live
    for learnt in ("heuristic", "settings"):
        before, after = getattr(live, learnt), getattr(replayed, learnt)
        assert after.stats == before.stats and after.observed == before.observed
        assert (after.campaign_reward, after.campaign_weight) == (
            before.campaign_reward, before.campaign_weight)  # fmt: skip
    stored = json.loads(rows(out, "SELECT value FROM meta WHERE key = 'settings'")[0][0])
    assert stored["coverage_policy"] == "new"


class SlowChecks(FakePool):
    """Checks for the bug thread say they took ``SLOW_S`` of a worker (answered at once),
    and note when they ran."""

    SLOW_S = 5.0

    def __init__(self) -> None:
        super().__init__(delay_s=0.005)
        self.run_at: list[float] = []

    def run(
        self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None
    ) -> RunResult:
        self.run_at.append(time.time())
        return replace(super().run(spec, options, timeout_s), seconds=self.SLOW_S)


def test_reduction_is_paced_while_testing_goes_on_and_counted_apart(tmp_path: Path) -> None:
    out, pool, runners = tmp_path / "c", SlowChecks(), []

    def reduce_thrice(bug: NewBug, checker: Checker) -> Triaged:
        runners.append(checker.runner)
        for _ in range(3):
            checker.run(bug.program)
        return Triaged("reduced")

    start_s = time.monotonic()
    finished = start(settings(out, max_rounds=60, jobs=1), pool,
                     (BugProcessor("slow", reduce_thrice),))  # fmt: skip
    wall = time.monotonic() - start_s
    bugs = len(runners)
    assert bugs >= 1 and all(isinstance(runner, ShareGate) for runner in runners)
    # each check "took" 5 s of the one worker, so the gate asked for a 10 s pause after
    # each; the campaign stopped testing sooner, and then let the bugs finish unpaced
    last_test = rows(out, "SELECT MAX(recorded_at) FROM tests")[0][0]
    testing_s = last_test - rows(out, "SELECT started_at FROM runs")[0][0]
    assert testing_s < 2 * SlowChecks.SLOW_S and wall < 2 * SlowChecks.SLOW_S
    assert sum(at <= last_test for at in pool.run_at) <= 1  # paced while testing
    seconds = finished.summary.worker_seconds
    assert seconds.reducing == pytest.approx(3 * SlowChecks.SLOW_S * bugs)
    assert seconds.fuzzing == pytest.approx(0.001 * pool.submitted)
    assert "reducing" in render_summary(finished.summary)
