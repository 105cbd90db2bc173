"""FASA's parts alone: the acceptance rule, the cooling, rewards, proposals, learning."""

from __future__ import annotations

import math
import random

import pytest

from fuel.feedback import fasa
from fuel.feedback.fasa import FeedbackAwareAnnealing, accept, temperature_after
from fuel.feedback.heuristic import HeuristicSettings
from fuel.feedback.record import Feedback
from fuel.feedback.reward import BUG_REWARD, MIN_COST_S
from fuel.judge.verdict import Outcome, Verdict
from fuel.program.record import Program

OPS = tuple(f"op{i:02d}" for i in range(20))


def feedback(
    ops: tuple[str, ...],
    new_lines: int = 0,
    outcome: Outcome = Outcome.PASS,
    new_bug: bool = False,
    measured: bool = True,
) -> Feedback:
    return Feedback(Program("", ops=ops), Verdict(outcome), new_lines, (), new_bug, (), measured)


def annealer(seed: int = 0, ops: tuple[str, ...] = OPS) -> FeedbackAwareAnnealing:
    return FeedbackAwareAnnealing(HeuristicSettings(ops, seed))


def test_metropolis_rule_takes_every_improvement_and_worse_sets_by_chance() -> None:
    assert accept(0.0, 0.1, 0.999)
    assert accept(0.3, 1e-9, 0.999)
    threshold = math.exp(-0.1 / 0.2)
    assert accept(-0.1, 0.2, threshold - 1e-6)
    assert not accept(-0.1, 0.2, threshold + 1e-6)
    assert not accept(-0.1, 0.0, 0.0)  # frozen: never worse


def test_temperature_cools_to_its_floor_and_reheats() -> None:
    temperatures = [temperature_after(n) for n in range(0, fasa.REHEAT_EVERY, 50)]
    assert temperatures == sorted(temperatures, reverse=True)
    assert temperatures[0] == pytest.approx(fasa.START_TEMPERATURE)
    assert temperature_after(fasa.REHEAT_EVERY - 1) == pytest.approx(fasa.FINAL_TEMPERATURE, 1e-3)
    assert temperature_after(fasa.REHEAT_EVERY) == pytest.approx(fasa.START_TEMPERATURE)


def test_new_lines_and_new_bugs_are_rewarded_not_totals() -> None:
    heuristic = annealer()
    for _ in range(5):
        heuristic.observe(feedback(("op00",), new_lines=40))
        heuristic.observe(feedback(("op01",), new_lines=0))
    assert heuristic.operator_score("op00") > heuristic.operator_score("op01")
    heuristic.observe(feedback(("op02",), new_bug=True))
    assert heuristic.operator_score("op02") > heuristic.operator_score("op00")


def test_an_unmeasured_test_counts_its_use_and_validity_but_teaches_no_gain() -> None:
    heuristic = annealer()
    for _ in range(3):
        heuristic.observe(feedback(("op00",), new_lines=40))
    gain, average = heuristic.stats["op00"].average_reward(0.0), heuristic.mean_reward()
    score = heuristic.operator_score("op00")
    for _ in range(10):  # unmeasured: "0 new lines" is a blank, not a result
        heuristic.observe(feedback(("op00",), measured=False))
    heuristic.observe(feedback(("op00",), outcome=Outcome.INVALID, measured=False))
    stats = heuristic.stats["op00"]
    assert (stats.uses, stats.invalid) == (14, 1)
    assert stats.average_reward(0.0) == gain and heuristic.mean_reward() == average
    assert heuristic.operator_score("op00") < score  # worn and once invalid: that counts
    measured = annealer()
    for _ in range(3):
        measured.observe(feedback(("op00",), new_lines=40))
    for _ in range(10):
        measured.observe(feedback(("op00",)))  # measured zeros do teach "no gain"
    assert measured.stats["op00"].average_reward(0.0) < gain / 5


def test_an_unmeasured_new_bug_still_lifts_its_operators_above_the_average() -> None:
    heuristic = annealer()
    for _ in range(4):
        heuristic.observe(feedback(("op00",), new_lines=40))
    average = heuristic.mean_reward()
    heuristic.observe(feedback(("op01",), new_bug=True, outcome=Outcome.BUG, measured=False))
    imputed = average + BUG_REWARD / MIN_COST_S
    assert heuristic.stats["op01"].average_reward(0.0) == pytest.approx(imputed)
    assert heuristic.mean_reward() == average  # the imputed reward stays out of it
    assert heuristic.operator_score("op01") > heuristic.operator_score("op00")


def test_an_operator_whose_new_lines_dried_up_sinks() -> None:
    heuristic = annealer()
    for _ in range(5):
        heuristic.observe(feedback(("op00",), new_lines=100))
        heuristic.observe(feedback(("op01",), new_lines=10))
    assert heuristic.operator_score("op00") > heuristic.operator_score("op01")
    for _ in range(10):  # op00 now brings nothing new; op01 keeps bringing a little
        heuristic.observe(feedback(("op00",), new_lines=0))
        heuristic.observe(feedback(("op01",), new_lines=10))
    assert heuristic.operator_score("op00") < heuristic.operator_score("op01")


def test_invalid_programs_lower_an_operator() -> None:
    heuristic = annealer()
    for _ in range(4):
        heuristic.observe(feedback(("op00",), outcome=Outcome.INVALID))
        heuristic.observe(feedback(("op01",), outcome=Outcome.PASS))
    assert heuristic.operator_score("op00") < heuristic.operator_score("op01")


def test_an_unused_operator_is_preferred_over_a_worn_one_of_equal_merit() -> None:
    heuristic = annealer()
    for _ in range(10):
        heuristic.observe(feedback(("op00",)))
    assert heuristic.operator_score("op05") > heuristic.operator_score("op00")


def test_proposals_move_by_one_operator_and_stay_in_size() -> None:
    heuristic = annealer(seed=3)
    previous = heuristic.propose()
    for _ in range(300):
        current = heuristic.propose()
        assert 1 <= len(current) <= 3
        assert len(set(current)) == len(current) and set(current) <= set(OPS)
        assert current == tuple(sorted(current))
        assert len(set(previous) ^ set(current)) in (0, 1, 2)  # same, grown/shrunk, swapped
        previous = current


def test_neighbour_swaps_one_operator() -> None:
    heuristic = annealer(seed=1)
    rng_moves = {len(heuristic.neighbour(("op01", "op02"))) for _ in range(200)}
    assert rng_moves == {1, 2, 3}
    moves = [heuristic.neighbour(("op01", "op02")) for _ in range(200)]
    swapped = [n for n in moves if len(n) == 2]
    assert all(len({"op01", "op02"} & set(n)) == 1 for n in swapped)


def test_same_seed_same_proposals() -> None:
    a, b = annealer(seed=9), annealer(seed=9)
    assert [a.propose() for _ in range(50)] == [b.propose() for _ in range(50)]


def test_empty_universe_proposes_nothing() -> None:
    assert annealer(ops=()).propose() == ()


def simulate(name: str, rounds: int = 600) -> float:
    """Share of proposals using a rewarding operator, in a world where only op03 and op07
    bring new lines (each time, so never saturating)."""
    from fuel.feedback.heuristic import create

    heuristic = create(name, HeuristicSettings(OPS, seed=5))
    rng = random.Random(0)
    hits = 0
    for _ in range(rounds):
        ops = heuristic.propose()
        good = bool({"op03", "op07"} & set(ops))
        hits += good
        heuristic.observe(feedback(ops, new_lines=rng.randint(20, 40) if good else 0))
    return hits / rounds


def test_fasa_learns_where_the_new_lines_are_and_random_does_not() -> None:
    assert simulate("fasa") > 1.5 * simulate("random")
