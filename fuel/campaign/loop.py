"""The round loop: take a program → check it (load, run in the pool, judge) → record → teach.

The campaign's thread keeps ``2 × workers`` programs submitted to the pool (one
running and one queued per worker), so a worker that finishes starts the next
program at once, while the generation thread keeps more ready behind them. Results
are recorded in the order they finish; each is one commit (see :mod:`fuel.store`).
Only this thread touches the store.

Stopping: the round limit is never overshot (nothing is submitted past it), and the
new bugs are processed before the campaign ends. At the time limit, programs not yet
started are cancelled, running ones are awaited and recorded for at most one test limit
more (``WIND_DOWN_MARGIN_S`` beyond it), and bugs still waiting for processing are left
for ``fuel reduce OUT`` (or the next ``--resume``): a time limit bounds the wall time,
and one reduction can take minutes. A test still running then (a timed-out program's
second look alone can take ``SLOW_FACTOR`` test limits) is left unrecorded, as Ctrl-C
leaves one, and ``--resume`` makes it again. Ctrl-C stops at
once: what is recorded stays, what was running is lost and regenerated on resume.

Where the pool makes programs itself (a Ray cluster's nodes), the producer's orders
are submitted as requests (:meth:`fuel.check.Checker.submit_request`); each comes back
as the program made and checked, and is recorded as a program made here would be. An
order the generator refused is counted as the producer counts its own refusals.

fuel's own failures (a worker's code raising, the judge raising on a test) are not
verdicts on torch: each is counted, its traceback goes to ``OUT/fuel-errors.log``,
and the campaign stops with a clear message once ``MAX_FUEL_ERRORS`` have happened in
a run.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait

from fuel.campaign.corpus import Admission
from fuel.campaign.events import Display, RoundDone
from fuel.campaign.hooks import BugProcessing, record_processed
from fuel.campaign.producer import Candidate, Lesson, Order, Producer
from fuel.campaign.settings import CampaignSettings
from fuel.check import Checked, Checker, Maker
from fuel.check.share import CONFIRMING, FUZZING, REDUCING, WorkerTime
from fuel.cluster.records import ClusterReport
from fuel.errors import FuelError, Rejected
from fuel.execute.options import apply as apply_settings
from fuel.execute.records import CompileOptions
from fuel.feedback.record import Feedback
from fuel.generate.base import GenerationRequest, GeneratorDone
from fuel.store import CampaignStore, NewTest
from fuel.store.records import NewBug, WorkerSeconds

POLL_S = 0.2  # how long the loop waits for a result before refreshing the display
# A fuel bug that hits every test would turn a campaign into hours of skipped tests;
# a handful of failures in one run is enough to say so and stop.
MAX_FUEL_ERRORS = 10
FUEL_ERRORS_LOG = "fuel-errors.log"
# A cluster's report changes with every test (tests per node); keeping it once a second
# is enough for `fuel status`, and spares a large cluster's driver a write per test.
CLUSTER_REPORT_S = 1.0
WORKER_TIME_S = 1.0  # the worker-seconds shown change with every run: stored once a second
# At the time limit a running first run ends within its limit; the margin covers killing
# and restarting a worker that overran it. A second look alone is not waited for.
WIND_DOWN_MARGIN_S = 15.0


class Campaign:
    def __init__(
        self,
        settings: CampaignSettings,
        store: CampaignStore,
        checker: Checker,
        producer: Producer,
        admission: Admission,
        display: Display,
        processing: BugProcessing | None = None,
        pool_report: Callable[[], ClusterReport] | None = None,
        worker_time: WorkerTime | None = None,
        maker: Maker[GenerationRequest] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.checker = checker
        self.producer = producer
        self.admission = admission
        self.display = display
        self.processing = processing
        self.maker = maker  # the pool, when it makes the producer's orders
        self.in_flight: dict[Future[Checked], Candidate | Order] = {}
        self.recorded = store.tests_recorded()
        self.capacity = 2 * max(1, settings.jobs)
        self.fuel_errors = 0  # this run's tests on which fuel's own code failed
        self.error: FuelError | None = None  # what stopped the campaign, if not a limit
        self._stored_status = self.producer.status
        self.pool_report = pool_report
        self._stored_report = pool_report() if pool_report else None
        self._report_stored_at = 0.0
        # Worker-seconds fuzzing and reducing: the earlier runs' (stored), plus this run's.
        self.worker_time = worker_time
        self._time_before = store.worker_seconds()
        self._time_stored_at = 0.0

    def run(self) -> str:
        """Test until a limit is reached; the reason it stopped. Ctrl-C propagates.
        The producer must have been started.

        A ``FuelError`` (from the generator or the pool) ends the campaign like a limit,
        with what was running recorded; it is kept in ``self.error`` for the caller."""
        reason = self._limit_reached()  # a limit reached already runs no test
        try:
            while reason is None:
                self._fill()
                self._collect(POLL_S if self.in_flight else 0.0)
                self._note_processed()
                if self.display.wants_refresh():
                    self.display.refresh(self.store.summary(), self.producer.status_line)
                self._store_generator_status()
                self._store_worker_time()
                self._follow_the_cluster()
                reason = self._limit_reached()
            timed_out = reason == "time limit"
            grace_s = self.settings.timeout_s + WIND_DOWN_MARGIN_S
            self._wind_down(cancel=timed_out, finish_bugs=not timed_out,
                            wait_s=grace_s if timed_out else None)  # fmt: skip
        except FuelError as error:
            planned = isinstance(error, GeneratorDone)  # then what was made still gets tested
            self.error = None if planned else error
            reason = f"stopped: {error}" if planned else f"error: {error}"
            with contextlib.suppress(FuelError):
                self._wind_down(cancel=not planned, finish_bugs=planned)
        return reason

    # ---------------------------------------------------------------- limits
    def _limit_reached(self) -> str | None:
        if self._rounds_left() == 0 and not self.in_flight:
            return "round limit"
        limit = self.settings.time_limit_s
        if limit is not None and self.store.elapsed() >= limit:
            return "time limit"
        return None

    def _rounds_left(self) -> int | None:
        if self.settings.max_rounds is None:
            return None
        return max(0, self.settings.max_rounds - self.recorded - len(self.in_flight))

    # ---------------------------------------------------------------- submitting
    def _fill(self) -> None:
        while len(self.in_flight) < self.capacity and self._rounds_left() != 0:
            candidate = self.producer.take(0.0 if self.in_flight else POLL_S)
            if candidate is None:
                return
            options = apply_settings(self.settings.options, candidate.settings)
            self.in_flight[self._submit(candidate, options)] = candidate

    def _submit(self, candidate: Candidate | Order, options: CompileOptions) -> Future[Checked]:
        if isinstance(candidate, Candidate):
            return self.checker.submit(candidate.program, options, coverage=candidate.coverage)
        if self.maker is None:
            raise FuelError("the producer ordered a program from a pool that makes none")
        return self.checker.submit_request(self.maker, candidate.request, options,
                                           coverage=candidate.coverage)  # fmt: skip

    def _collect(self, timeout: float) -> None:
        if not self.in_flight:
            return
        done, _ = wait(list(self.in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            candidate = self.in_flight.pop(future)
            try:
                checked = future.result()
            except Rejected as refused:  # an order the generator made no program from
                self.producer.refused(refused)
                continue
            if isinstance(candidate, Order):
                candidate = candidate.filled(checked)
            self._record(candidate, checked)

    def _wind_down(self, cancel: bool, finish_bugs: bool, wait_s: float | None = None) -> None:
        """Finish what is in flight: cancel what has not started if asked, record the
        rest (what finishes within ``wait_s``, when given); then wait for the bug
        processors, or leave their queue for later."""
        if cancel:
            for future in list(self.in_flight):
                if future.cancel():
                    del self.in_flight[future]
        give_up_at = None if wait_s is None else time.monotonic() + wait_s
        while self.in_flight and (give_up_at is None or time.monotonic() < give_up_at):
            self._collect(POLL_S)
        if self.in_flight:
            self.display.note(
                f"{len(self.in_flight)} test(s) still running {wait_s:.0f} s after "
                "the time limit left unrecorded: `--resume` makes them again"
            )
            self.in_flight.clear()
        self._note_processed()
        if self.processing is not None and self.processing.pending:
            pending = self.processing.pending
            if finish_bugs:
                self.display.note(f"processing {pending} new bug(s)...")
                self.processing.unpace()  # no test waits for a worker any more
                while self.processing.pending:
                    self._note_processed()
                    time.sleep(POLL_S)
            else:
                self.display.note(
                    f"{pending} new bug(s) not yet reduced: `fuel reduce {self.settings.out}` "
                    "finishes them"
                )
        self._follow_the_cluster(now=True)
        self._store_worker_time(now=True)
        self.display.refresh(self.store.summary(), self.producer.status_line)

    # ---------------------------------------------------------------- recording
    def _record(self, candidate: Candidate, checked: Checked) -> None:
        program, verdict, result = candidate.program, checked.verdict, checked.result
        novelty = self.store.novelty(verdict, result.coverage if result else None)
        stale = verdict.is_bug and not novelty.new_bug  # a duplicate, known or seen
        seconds = result.seconds if result else 0.0
        feedback = Feedback(program, verdict, novelty.new_lines, novelty.counts_by_file(),
                            novelty.new_bug, candidate.settings, novelty.measured, stale,
                            seconds)  # fmt: skip
        corpus = self.admission.admits(feedback)
        entry = NewTest(
            program,
            verdict,
            novelty,
            candidate.parent,
            corpus,
            seconds,
            candidate.generate_seconds,
            candidate.settings,
        )
        recorded = self.store.record(entry)
        self.recorded += 1
        self.producer.teach(Lesson(feedback, recorded.test_id, corpus, candidate.repairs))
        if recorded.bug_dir is not None and self.processing is not None:
            options = apply_settings(self.settings.options, candidate.settings)
            self.processing.submit(NewBug(novelty.signature_id, recorded.bug_dir,
                                          recorded.test_id, program, verdict, options))  # fmt: skip
        done = RoundDone(recorded, candidate, verdict, novelty.new_lines, novelty.new_bug,
                         novelty.known, novelty.measured)  # fmt: skip
        self.display.tested(done)
        if verdict.fuel_error:
            self._fuel_failed(recorded.test_id, checked)

    def _fuel_failed(self, test_id: int, checked: Checked) -> None:
        """Count a failure of fuel's own code, keep its traceback, stop past the limit."""
        self.fuel_errors += 1
        trace = checked.fuel_traceback
        log = self.settings.out / FUEL_ERRORS_LOG
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"--- test {test_id} ({checked.program.name}): "
                         f"{checked.verdict.fuel_error}\n{trace}\n")  # fmt: skip
        if self.fuel_errors >= MAX_FUEL_ERRORS:
            raise FuelError(
                f"fuel's own code failed on {self.fuel_errors} tests in this run (last: "
                f"{checked.verdict.fuel_error}); tracebacks in {log}"
            )

    def _store_generator_status(self) -> None:
        """Keep the generator's own status (the LLM's mode and spending so far) in the
        store as it changes, so that ``fuel status`` and a killed campaign have it."""
        status = self.producer.status
        if status != self._stored_status:
            self.store.set_generator_status(status)
            self._stored_status = status

    def _store_worker_time(self, now: bool = False) -> None:
        """Keep the worker-seconds spent fuzzing and reducing in the store (once every
        ``WORKER_TIME_S``, or ``now``), for the display and ``fuel status``."""
        if self.worker_time is None:
            return
        if not now and time.monotonic() - self._time_stored_at < WORKER_TIME_S:
            return
        before = self._time_before
        self.store.set_worker_seconds(
            WorkerSeconds(
                before.fuzzing + self.worker_time.seconds(FUZZING),
                before.reducing + self.worker_time.seconds(REDUCING),
                before.confirming + self.worker_time.seconds(CONFIRMING),
            )
        )
        self._time_stored_at = time.monotonic()

    def _follow_the_cluster(self, now: bool = False) -> None:
        """Keep what the cluster says in the store (once a second, or ``now``), and
        keep two tests in flight per worker as nodes join or leave."""
        if self.pool_report is None:
            return
        if not now and time.monotonic() - self._report_stored_at < CLUSTER_REPORT_S:
            return
        report = self.pool_report()
        if report != self._stored_report:
            self.store.set_cluster_report(report)
            self._stored_report = report
        self._report_stored_at = time.monotonic()
        self.capacity = 2 * max(1, report.workers or self.settings.jobs)

    def _note_processed(self) -> None:
        if self.processing is None:
            return
        for processed in self.processing.finished():
            noted = record_processed(self.store, processed)
            self.display.note(noted.line)
            test = self.store.first_test_of(processed.signature_id) if noted.stale else None
            if test is not None:  # rewarded as a new bug, its class proved stale
                self.producer.reconsider(test.feedback())
