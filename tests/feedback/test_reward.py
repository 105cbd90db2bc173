"""FASA's reward: only new bugs pay, stale ones cost, and everything is per worker-second."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from fuel.feedback.fasa import FeedbackAwareAnnealing
from fuel.feedback.heuristic import HeuristicSettings
from fuel.feedback.record import Feedback
from fuel.feedback.reward import BUG_REWARD, MIN_COST_S, STALE_PENALTY, reward_of
from fuel.judge.verdict import EAGER_KINDS, Outcome, Verdict
from fuel.program.record import Program

OPS = tuple(f"op{i:02d}" for i in range(8))


def fed(
    ops: tuple[str, ...] = ("op00",),
    lines: int = 0,
    seconds: float = 1.0,
    new_bug: bool = False,
    stale_bug: bool = False,
    by_file: tuple[tuple[str, int], ...] = (),
) -> Feedback:
    outcome = Outcome.BUG if new_bug or stale_bug else Outcome.PASS
    return Feedback(Program("", ops=ops), Verdict(outcome), lines, by_file, new_bug, (), True,
                    stale_bug, seconds)  # fmt: skip


def annealer(rule: str = "fresh") -> FeedbackAwareAnnealing:
    return FeedbackAwareAnnealing(HeuristicSettings(OPS, seed=1, reward=rule))


def test_a_new_bug_is_rewarded_and_a_known_or_seen_one_costs() -> None:
    plain = reward_of(fed(lines=50))
    assert reward_of(fed(lines=50, new_bug=True)) == pytest.approx(plain + BUG_REWARD)
    assert reward_of(fed(lines=50, stale_bug=True)) == pytest.approx(plain - STALE_PENALTY)
    # A new signature whose class proved stale once reduced: stale wins.
    assert reward_of(fed(new_bug=True, stale_bug=True)) == pytest.approx(-STALE_PENALTY)


def test_eager_s_own_bug_earns_nothing_either_way() -> None:
    plain = reward_of(fed(lines=50))
    for kind in EAGER_KINDS:
        eager_bug = replace(fed(lines=50, new_bug=True), verdict=Verdict(Outcome.BUG, kind=kind))
        assert eager_bug.verdict.is_eager_bug
        assert reward_of(eager_bug) == pytest.approx(plain)


def test_the_classic_rule_rewards_any_new_signature_and_ignores_staleness() -> None:
    stale = fed(lines=50, stale_bug=True, seconds=8.0)
    assert reward_of(stale, "classic") == pytest.approx(math.log1p(50))
    assert reward_of(fed(new_bug=True, stale_bug=True), "classic") == BUG_REWARD


def test_rewards_are_divided_by_the_worker_seconds_with_a_floor() -> None:
    one = reward_of(fed(lines=200, new_bug=True, seconds=1.0))
    assert reward_of(fed(lines=200, new_bug=True, seconds=4.0)) == pytest.approx(one / 4)
    assert reward_of(fed(lines=200, seconds=0.01)) == reward_of(fed(lines=200, seconds=0.0))
    assert reward_of(fed(lines=200, seconds=0.0)) == pytest.approx(math.log1p(200) / MIN_COST_S)


def test_new_lines_in_files_where_bugs_lived_weigh_more() -> None:
    codegen = fed(lines=30, by_file=(("torch/_inductor/codegen/cpp.py", 30),))
    dynamo = fed(lines=30, by_file=(("torch/_dynamo/variables/builtin.py", 30),))
    assert reward_of(dynamo) == pytest.approx(math.log1p(30))
    assert reward_of(codegen) > reward_of(dynamo)
    assert reward_of(codegen, "classic") == reward_of(dynamo, "classic")


def test_operators_whose_bugs_were_all_known_or_seen_lose_weight() -> None:
    heuristic = annealer()
    for _ in range(4):
        heuristic.observe(fed(("op00",), lines=10))
        heuristic.observe(fed(("op01",), lines=10, stale_bug=True))
    heuristic.observe(fed(("op02",), lines=10, new_bug=True))
    scores = {op: heuristic.operator_score(op) for op in ("op00", "op01", "op02")}
    assert scores["op01"] < scores["op00"] < scores["op02"]
    assert heuristic.stats["op01"].average_reward(0.0) < 0  # lost weight, not gained
    classic = annealer("classic")
    for _ in range(4):  # the old rule: a known bug is worth its lines, like a pass
        classic.observe(fed(("op00",), lines=10))
        classic.observe(fed(("op01",), lines=10, stale_bug=True))
    assert classic.operator_score("op01") == pytest.approx(classic.operator_score("op00"))


def test_a_new_bug_whose_class_proved_stale_is_taken_back() -> None:
    heuristic, replayed = annealer(), annealer()
    first = fed(("op03",), lines=10, new_bug=True, seconds=2.0)
    heuristic.observe(first)
    assert heuristic.stats["op03"].average_reward(0.0) == pytest.approx(
        (math.log1p(10) + BUG_REWARD) / 2)  # fmt: skip
    heuristic.reconsider(replace(first, stale_bug=True))
    replayed.observe(replace(first, stale_bug=True))  # what resume reads: the final word
    for learnt in (heuristic, replayed):
        assert learnt.stats["op03"].uses == 1
        assert learnt.stats["op03"].average_reward(0.0) == pytest.approx(
            (math.log1p(10) - STALE_PENALTY) / 2)  # fmt: skip
    assert heuristic.campaign_reward == pytest.approx(replayed.campaign_reward)
    classic = annealer("classic")
    classic.observe(first)
    before = classic.stats["op03"].average_reward(0.0)
    classic.reconsider(replace(first, stale_bug=True))
    assert classic.stats["op03"].average_reward(0.0) == before


def learn_where_time_pays(rule: str, rounds: int = 500) -> float:
    """Share of proposals using op05 in a world where op05's programs reach 8 new lines
    in 2 s and op06's reach 30 in 30 s (slow to compile); nothing else reaches any."""
    heuristic = annealer(rule)
    cheap = 0
    for _ in range(rounds):
        ops = heuristic.propose()
        lines, seconds = (8, 2.0) if "op05" in ops else (30, 30.0) if "op06" in ops else (0, 3.0)
        cheap += "op05" in ops
        heuristic.observe(fed(ops, lines=lines, seconds=seconds))
    return cheap / rounds


def test_per_second_rewards_teach_which_programs_pay_for_their_time() -> None:
    assert learn_where_time_pays("fresh") > 1.5 * learn_where_time_pays("classic")
