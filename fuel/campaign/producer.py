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
from fuel.errors import FuelError, Rejected
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
    settings: tuple[str, ...] = ()  # compile setting tokens to test it with
    coverage: bool = False  # measure its coverage (the campaign's coverage policy)

    @property
    def mutant(self) -> bool:
        """A mutant of a corpus program (a repair has a parent too, and repairs)."""
        return self.parent is not None and self.repairs == 0


@dataclass(frozen=True, slots=True)
class Lesson:
    feedback: Feedback
    test_id: int
    corpus: bool  # the program joins the corpus
    repairs: int


@dataclass(frozen=True, slots=True)
class Repair:
    program: Program
    verdict: Verdict
    test_id: int
    repairs: int
    settings: tuple[str, ...] = ()  # a repair is tested with the settings it failed under


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
        self.max_repairs = generator.max_repairs
        # The generator's own status (e.g. the LLM's mode and spend), read on this thread
        # after each program; the display and the store read the copy.
        self.status = GeneratorStatus()
        self._ready: queue.Queue[Candidate] = queue.Queue(maxsize=max(1, ahead))
        self._lessons: queue.SimpleQueue[Lesson] = queue.SimpleQueue()
        self._repairs: collections.deque[Repair] = collections.deque()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="fuel-generate", daemon=True)

    # ------------------------------------------------------- the campaign's side
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def teach(self, lesson: Lesson) -> None:
        self._lessons.put(lesson)

    def take(self, timeout: float) -> Candidate | None:
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
                        raise FuelError(
                            f"the generator failed {in_a_row} times in a row; "
                            f"last: {self.last_failure}"
                        )
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

    def produce(self) -> Candidate | None:
        """Learn from every lesson waiting, then make one program (None: none made).
        Raises ``GeneratorDone`` once the generator says it will make no more."""
        self.learn()
        if self.generator.should_stop:
            raise GeneratorDone(f"the generator stopped: {self.status.line or 'done'}")
        candidate = self._make()
        self.status = self.generator.status()
        if candidate is None:
            return None
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

    def _settings(self) -> tuple[str, ...]:
        return self.settings.propose() if self.settings is not None else ()

    def _make(self) -> Candidate | None:
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
            program = self.generator.generate(GenerationRequest(self.heuristic.propose(), seed))
            return Candidate(program, None, 0, time.perf_counter() - start, self._settings())
        except Rejected as rejected:
            self.failures += 1
            self.last_failure = rejected.reason
            return None
