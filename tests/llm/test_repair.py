"""Self-repair: a repair that works, one that fails, and the rate that measures them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fuel.campaign.corpus import Corpus
from fuel.campaign.producer import Lesson, Producer
from fuel.check import Checker
from fuel.execute.records import CompileOptions
from fuel.feedback.heuristic import HeuristicSettings, create
from fuel.feedback.record import Feedback
from fuel.generate.base import GenerationRequest, Generator
from fuel.judge.verdict import CrashEvidence, Outcome, Verdict
from fuel.llm.repair import RepairTracker
from fuel.program.record import Program
from tests.llm.conftest import VALID, fenced
from tests.llm.server import ChatServer

BROKEN = VALID.replace("torch.randn(4, 5)", "torch.randn(6, 5)")
FIXED = VALID
STILL_BROKEN = VALID.replace("torch.randn(4, 5)", "torch.randn(7, 5)")
ERROR = "mat1 and mat2 shapes cannot be multiplied (3x4 and 6x5)"


def invalid(message: str = ERROR) -> Verdict:
    crash = CrashEvidence("RuntimeError", message)
    return Verdict(Outcome.INVALID, detail=f"eager raised RuntimeError: {message}", crash=crash)


def self_repair(
    generator: Generator, program: Program, verdict: Verdict, check: Callable[[Program], Verdict]
) -> tuple[Program, Verdict, int]:
    """The campaign's one repair loop (``fuel.campaign.producer``): each invalid verdict
    is taught, the producer asks the generator for a repair, the repair is checked and
    taught in turn; until a verdict is valid or the producer makes no repair."""
    heuristic = create("uniform", HeuristicSettings(()))
    producer = Producer(generator, heuristic, Corpus(), seed="t", mutate_share=0.0, ahead=1)
    attempts = 0
    while True:
        producer.teach(Lesson(Feedback(program, verdict, 0), attempts, False, attempts))
        if verdict.outcome is not Outcome.INVALID or attempts >= generator.max_repairs:
            producer.learn()
            return program, verdict, attempts
        candidate = producer.produce()
        assert candidate is not None and candidate.repairs == attempts + 1
        attempts, program = candidate.repairs, candidate.program
        verdict = check(program)


def broken_program(make_llm: Callable, server: ChatServer) -> tuple[object, Program]:
    generator = make_llm()
    server.add(fenced(BROKEN))
    return generator, generator.generate(GenerationRequest(("torch.matmul",), seed=4))


def test_repair_that_succeeds(make_llm: Callable, server: ChatServer) -> None:
    generator, program = broken_program(make_llm, server)
    server.add(fenced(FIXED, "The shapes did not match; fixed:\n"))
    repaired = generator.repair(program, invalid())
    assert repaired is not None and repaired.source == FIXED
    assert (repaired.name, repaired.origin, repaired.ops) == ("llm-4-r1", "llm", program.ops)
    prompt = server.requests[-1]["messages"][-1]["content"]
    assert ERROR in prompt and "fails when run eagerly" in prompt and "randn(6, 5)" in prompt
    assert generator.llm_status().repairs.rate is None  # not settled until its verdict arrives
    generator.observe(Feedback(repaired, Verdict(Outcome.PASS), new_lines=3))
    stats = generator.llm_status().repairs
    assert (stats.programs, stats.requests, stats.repaired, stats.failed) == (1, 1, 1, 0)
    assert stats.rate == 1.0 and "repair 100% of 1" in generator.llm_status().line()


def test_repair_that_fails_after_max_attempts(make_llm: Callable, server: ChatServer) -> None:
    generator, program = broken_program(make_llm, server)
    server.add(fenced(STILL_BROKEN), fenced(BROKEN.replace("3, 4", "3, 9")))
    first = generator.repair(program, invalid())
    assert first is not None
    second = generator.repair(first, invalid())
    assert second is not None and second.name == "llm-4-r2"
    generator.observe(Feedback(second, invalid(), new_lines=0))
    assert generator.max_repairs == 2
    assert generator.repair(second, invalid()) is None  # K = 2 attempts used
    stats = generator.llm_status().repairs
    assert (stats.programs, stats.requests, stats.repaired, stats.failed) == (1, 2, 0, 1)
    assert stats.rate == 0.0
    assert len(server.requests) == 3


def test_unusable_repair_reply_fails_the_repair(make_llm: Callable, server: ChatServer) -> None:
    generator, program = broken_program(make_llm, server)
    server.add("Sorry, I cannot fix this.")
    assert generator.repair(program, invalid()) is None
    stats = generator.llm_status().repairs
    assert (stats.failed, stats.rate) == (1, 0.0)
    assert generator.llm_status().rejected_replies == 1


def test_only_invalid_programs_are_repaired(make_llm: Callable, server: ChatServer) -> None:
    generator, program = broken_program(make_llm, server)
    assert generator.repair(program, Verdict(Outcome.PASS)) is None
    assert generator.repair(program, Verdict(Outcome.REJECTED, detail="sandbox")) is None
    assert len(server.requests) == 1


def test_self_repair_loop_with_a_check(make_llm: Callable, server: ChatServer) -> None:
    generator, program = broken_program(make_llm, server)
    server.add(fenced(STILL_BROKEN), fenced(FIXED))

    def check(candidate: Program) -> Verdict:
        return Verdict(Outcome.PASS) if candidate.source == FIXED else invalid()

    program, verdict, attempts = self_repair(generator, program, invalid(), check)
    assert verdict.outcome is Outcome.PASS and attempts == 2 and program.source == FIXED
    assert generator.llm_status().repairs.rate == 1.0


def test_tracker_with_no_repairs_allowed() -> None:
    tracker = RepairTracker(max_repairs=0)
    assert not tracker.begin(Program(VALID))
    assert tracker.stats().programs == 0 and tracker.stats().rate is None


@pytest.mark.slow
def test_self_repair_against_real_eager_runs(make_llm: Callable, server: ChatServer, pool) -> None:  # type: ignore[no-untyped-def]
    generator, program = broken_program(make_llm, server)
    checker = Checker(pool, CompileOptions(eager_only=True))

    def check(candidate: Program) -> Verdict:
        return checker.run(candidate).verdict

    first = check(program)
    assert first.outcome is Outcome.INVALID and "shapes cannot be multiplied" in first.detail
    server.add(fenced(FIXED))
    _, verdict, attempts = self_repair(generator, program, first, check)
    assert attempts > 0 and verdict.outcome is Outcome.PASS
    assert "shapes cannot be multiplied" in server.requests[-1]["messages"][-1]["content"]


def test_tracker_counts_each_invalid_original_even_when_repeated() -> None:
    tracker = RepairTracker(max_repairs=1)
    original, fixed = Program(BROKEN), Program(FIXED)
    for round_ in range(2):
        assert tracker.begin(original)
        tracker.made(original, fixed)
        tracker.observed(fixed, Verdict(Outcome.PASS))
        assert tracker.stats().repaired == round_ + 1
    assert not tracker.begin(fixed)  # a repair at the limit is not repaired again
    stats = tracker.stats()
    assert (stats.programs, stats.requests, stats.repaired, stats.failed) == (2, 2, 2, 0)
