"""The generation thread: keeps a few programs ready so that workers never wait.

It owns the generator, the heuristic and the corpus; nothing else touches them, so
neither generators nor heuristics need to be thread-safe. The campaign's thread sends
it one :class:`Lesson` per recorded test and takes :class:`Candidate` programs from a
bounded queue. Before making each program it learns from every lesson waiting, so a
proposal always uses all the feedback recorded so far. Invalid programs are offered
to ``generator.repair`` first; otherwise a share of rounds mutates a corpus program
(when the generator can mutate), and the rest generate around the heuristic's
operators. Each candidate's coverage is measured or not as the campaign's
:class:`~fuel.campaign.measure.CoveragePolicy` decides, here, in the order made.

When the pool can make programs itself (a Ray cluster's nodes, given a replica of the
generator), generation rounds yield an :class:`Order` instead of a program: the same
request (the heuristic's operators and the seed) the generator would have been given
here, made where it runs. Repairs and mutations stay here.
"""

from __future__ import annotations

import collections
import queue
import random
import threading
import time
from dataclasses import dataclass, replace

from fuel.campaign.corpus import Corpus, credit_of
from fuel.campaign.measure import CoveragePolicy
from fuel.check import Checked
from fuel.errors import FuelError, Rejected
from fuel.execute.options import CompileSetting
from fuel.feedback.heuristic import Heuristic
from fuel.feedback.record import Feedback
from fuel.feedback.settings import SettingsAnnealing
from fuel.generate.base import GenerationRequest, Generator, GeneratorDone, GeneratorStatus
from fuel.judge.verdict import Outcome, Verdict
from fuel.program.record import Program

# A generator that fails this many times in a row is broken, not unlucky: stop.
MAX_FAILURES_IN_A_ROW = 200

@dataclass(frozen=True, slots=True)
class Candidate:
    program: Program
    parent: int | None = None  # tests.id it was mutated or repaired from
    repairs: int = 0  # how many repairs led to it
    generate_seconds: float = 0.0
    settings: tuple[CompileSetting, ...] = ()  # compile settings to test it with
    coverage: bool = False  # measure its coverage (the campaign's coverage policy)

    @property
    def mutant(self) -> bool:
        """A mutant of a corpus program (a repair has a parent too, and repairs)."""
        return self.parent is not None and self.repairs == 0


@dataclass(frozen=True, slots=True)
class Order:
    """A new program ordered from the pool, which makes it from ``request`` where it runs
    it, as the generator would have made it here."""

    request: GenerationRequest
    settings: tuple[CompileSetting, ...] = ()  # compile settings to test it with
    coverage: bool = False  # measure its coverage (the campaign's coverage policy)

    def filled(self, checked: Checked) -> Candidate:
        """The candidate it became, once made and checked."""
        return Candidate(checked.program, None, 0, checked.generate_seconds, self.settings,
                         self.coverage)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Lesson:
    feedback: Feedback
    test_id: int
    corpus: bool  # the program joins the corpus
    repairs: int


@dataclass(frozen=True, slots=True)
class Correction:
    """A recorded test's new bug whose class proved stale once reduced: the test's
    feedback, ``stale_bug`` set (see ``Heuristic.reconsider``)."""

    feedback: Feedback


@dataclass(frozen=True, slots=True)
class Repair:
    program: Program
    verdict: Verdict
    test_id: int
    repairs: int
    settings: tuple[CompileSetting, ...] = ()  # a repair is tested as it failed


class Producer:
    def __init__(
        self,
        generator: Generator,
        heuristic: Heuristic,
        corpus: Corpus,
        *,
        seed: str,
        mutate_share: float,
        ahead: int,
        settings: SettingsAnnealing | None = None,
        coverage: CoveragePolicy | None = None,
    ) -> None:
        self.generator = generator
        self.coverage = coverage or CoveragePolicy("all", enabled=False)
        self.heuristic = heuristic
        self.corpus = corpus
        self.settings = settings  # None: every test runs with the campaign's options
        self.mutate_share = mutate_share
        self.rng = random.Random(seed)
        self.failures = 0  # generation attempts that produced no program
        self.last_failure = ""
        self.ordering = False  # new programs are ordered from the pool (``order_programs``)
        self.refused_in_a_row = 0  # orders the pool's generator refused since a test
        self.max_repairs = generator.max_repairs
        # The generator's own status (e.g. the LLM's mode and spend), read on this thread
        # after each program; the display and the store read the copy.
        self.status = GeneratorStatus()
        self._ready: queue.Queue[Candidate | Order] = queue.Queue(maxsize=max(1, ahead))
        self._lessons: queue.SimpleQueue[Lesson | Correction] = queue.SimpleQueue()
        self._repairs: collections.deque[Repair] = collections.deque()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="fuel-generate", daemon=True)

    # ------------------------------------------------------- the campaign's side
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def order_programs(self) -> None:
        """From now on, generation rounds yield an :class:`Order` for the pool to fill."""
        self.ordering = True

    def teach(self, lesson: Lesson) -> None:
        self.refused_in_a_row = 0
        self._lessons.put(lesson)

    def reconsider(self, feedback: Feedback) -> None:
        """A test's new bug proved stale once reduced (``feedback.stale_bug``): the
        heuristics unlearn what it earned, in order with the lessons."""
        self._lessons.put(Correction(feedback))

    def refused(self, rejected: Rejected) -> None:
        """An order the pool's generator made no program from: counted as a refusal
        here is, and as many in a row stop the campaign (the campaign's thread)."""
        self.failures += 1
        self.last_failure = rejected.reason
        self.refused_in_a_row += 1
        if self.refused_in_a_row >= MAX_FAILURES_IN_A_ROW:
            raise failing(self.refused_in_a_row, self.last_failure)

    def take(self, timeout: float) -> Candidate | Order | None:
        """A ready program, or None if none came within ``timeout``; raises the
        generation thread's error if it failed."""
        try:
            return self._ready.get(timeout=timeout) if timeout > 0 else self._ready.get_nowait()
        except queue.Empty:
            if self._error is not None:
                raise self._error from None
            return None

    # ------------------------------------------------------- the thread's side
    def _serve(self) -> None:
        try:
            in_a_row = 0
            while not self._stop.is_set():
                candidate = self.produce()
                if candidate is None:
                    in_a_row += 1
                    if in_a_row >= MAX_FAILURES_IN_A_ROW:
                        raise failing(in_a_row, self.last_failure)
                    continue
                in_a_row = 0
                while not self._stop.is_set():
                    try:
                        self._ready.put(candidate, timeout=0.1)
                        break
                    except queue.Full:
                        self.learn()
        except BaseException as error:  # handed to the campaign's thread by ``take``
            self._error = error

    def produce(self) -> Candidate | Order | None:
        """Learn from every lesson waiting, then make one program (None: none made).
        Raises ``GeneratorDone`` once the generator says it will make no more."""
        self.learn()
        if self.generator.should_stop:
            raise GeneratorDone(f"the generator stopped: {self.status.line or 'done'}")
        candidate = self._make()
        self.status = self.generator.status()
        if candidate is None:
            return None
        if isinstance(candidate, Order):
            request = candidate.request
            measure = self.coverage.wants_order(request.ops, candidate.settings, request.seed)
        else:
            measure = self.coverage.wants(candidate.program, candidate.settings, candidate.mutant)
        return replace(candidate, coverage=measure)

    @property
    def status_line(self) -> str:
        return self.status.line

    def learn(self) -> None:
        while True:
            try:
                lesson = self._lessons.get_nowait()
            except queue.Empty:
                return
            if isinstance(lesson, Correction):
                self.heuristic.reconsider(lesson.feedback)
                if self.settings is not None:
                    self.settings.reconsider(lesson.feedback)
                continue
            feedback = lesson.feedback
            self.heuristic.observe(feedback)
            if self.settings is not None:
                self.settings.observe(feedback)
            self.generator.observe(feedback)
            if lesson.corpus:
                credit = credit_of(feedback.new_lines, feedback.new_bug)
                self.corpus.add(lesson.test_id, feedback.program, credit)
            if feedback.verdict.outcome is Outcome.INVALID and lesson.repairs < self.max_repairs:
                self._repairs.append(Repair(feedback.program, feedback.verdict, lesson.test_id,
                                            lesson.repairs, feedback.settings))  # fmt: skip

    def _settings(self) -> tuple[CompileSetting, ...]:
        return self.settings.choose() if self.settings is not None else ()

    def _make(self) -> Candidate | Order | None:
        start = time.perf_counter()
        try:
            while self._repairs:
                repair = self._repairs.popleft()
                fixed = self.generator.repair(repair.program, repair.verdict)
                if fixed is not None:
                    return Candidate(fixed, repair.test_id, repair.repairs + 1,
                                     time.perf_counter() - start, repair.settings)  # fmt: skip
            seed = self.rng.getrandbits(31)
            if self.generator.mutates and self.rng.random() < self.mutate_share:
                entry = self.corpus.pick(self.rng)
                if entry is not None:
                    program = self.generator.mutate(entry.program, seed)
                    return Candidate(program, entry.test_id, 0, time.perf_counter() - start,
                                     self._settings())  # fmt: skip
            request = GenerationRequest(self.heuristic.propose(), seed)
            if self.ordering:
                return Order(request, self._settings())
            program = self.generator.generate(request)
            return Candidate(program, None, 0, time.perf_counter() - start, self._settings())
        except Rejected as rejected:
            self.failures += 1
            self.last_failure = rejected.reason
            return None


def failing(in_a_row: int, last: str) -> FuelError:
    return FuelError(f"the generator failed {in_a_row} times in a row; last: {last}")
