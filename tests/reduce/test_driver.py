"""The driver: flakes caught first, budgets kept, runs cached, progress only downhill."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from fuel.judge.verdict import CrashEvidence, Kind, NumericEvidence, Outcome, Verdict
from fuel.program import syntax
from fuel.reduce import scope
from fuel.reduce.driver import ExitReason, Shrinker
from fuel.reduce.passes import PASSES, STRUCTURE
from fuel.reduce.simpler import simpler_key
from tests.reduce.test_passes import program

SOURCE = program(
    """
    a = torch.relu(x)
    b = torch.remainder(a, y)
    c = torch.tanh(b)
    d = c * 2
    return (d, a)
    """
)
CRASH = Verdict(Outcome.BUG, Kind.COMPILE_CRASH, crash=CrashEvidence("RuntimeError", "boom 3"))


def keyword_judge(word: str = "remainder") -> Callable[[str], Verdict]:
    """A bug exactly when the source still mentions ``word``: no torch involved."""
    return lambda source: CRASH if word in source else Verdict(Outcome.PASS)


def test_reduces_with_a_syntactic_judge() -> None:
    reduction = Shrinker(SOURCE, keyword_judge(), PASSES).run()
    assert reduction.reason is ExitReason.FIXED_POINT
    assert syntax.forward_statements(syntax.parse(reduction.reduced)) == 1
    assert "return torch.remainder(x)" in reduction.reduced  # the judge only reads words
    assert reduction.before.forward_statements == 5
    assert reduction.after.forward_statements == 1


def test_a_flaky_original_is_flagged_before_any_shrinking() -> None:
    flips = itertools.cycle([CRASH, Verdict(Outcome.PASS)])
    reduction = Shrinker(SOURCE, lambda source: next(flips), PASSES).run()
    assert reduction.reason is ExitReason.FLAKY
    assert reduction.reduced == SOURCE and reduction.calls == 2
    assert "pass" in reduction.detail


def test_an_original_without_the_bug_is_not_reduced() -> None:
    reduction = Shrinker(SOURCE, keyword_judge("no such word"), PASSES).run()
    assert reduction.reason is ExitReason.NOT_REPRODUCED
    assert not reduction.reproduced


def test_a_stored_target_of_another_kind_does_not_reproduce() -> None:
    numeric = Verdict(
        Outcome.BUG,
        Kind.NUMERIC_MISMATCH,
        numeric=NumericEvidence("output[0]", "float32", (4,), 1.0, 1.0, 1, 4),
    )
    reduction = Shrinker(SOURCE, keyword_judge(), PASSES, target=numeric).run()
    assert reduction.reason is ExitReason.NOT_REPRODUCED


def test_the_time_limit_stops_the_reduction() -> None:
    ticks = itertools.count()
    reduction = Shrinker(
        SOURCE, keyword_judge(), PASSES, time_limit_s=5, clock=lambda: float(next(ticks))
    ).run()
    assert reduction.reason is ExitReason.TIME_LIMIT
    assert reduction.reproduced


def test_the_call_limit_stops_the_reduction() -> None:
    reduction = Shrinker(SOURCE, keyword_judge(), PASSES, call_limit=4).run()
    assert reduction.reason is ExitReason.CALL_LIMIT
    assert reduction.calls == 4


def test_each_candidate_is_judged_once_and_only_runnable_ones_are_judged() -> None:
    judged: list[str] = []

    def judge(source: str) -> Verdict:
        judged.append(source)
        return keyword_judge()(source)

    reduction = Shrinker(SOURCE, judge, PASSES).run()
    candidates = judged[2:]  # after the two checks of the original
    assert len(candidates) == len({syntax.digest(c) for c in candidates})
    assert all(not scope.problems(syntax.parse(c)) for c in candidates)
    assert sum(s.refused for s in reduction.passes) > 0
    assert sum(s.calls for s in reduction.passes) == len(candidates)


def test_every_kept_candidate_is_strictly_simpler() -> None:
    kept: list[str] = []

    def judge(source: str) -> Verdict:
        verdict = keyword_judge()(source)
        if verdict.is_bug:
            kept.append(source)
        return verdict

    Shrinker(SOURCE, judge, PASSES).run()
    keys = [simpler_key(s) for s in kept[2:]]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
    assert keys[0] < simpler_key(SOURCE)


@pytest.mark.parametrize("name", [p.__name__ for p in PASSES])
def test_per_pass_statistics_are_kept(name: str) -> None:
    reduction = Shrinker(SOURCE, keyword_judge(), PASSES).run()
    stats = {s.name: s for s in reduction.passes}
    assert name in stats
    assert stats[name].shrinks <= stats[name].calls


def test_polish_runs_only_once_the_structure_is_at_a_fixed_point() -> None:
    seen: list[int] = []

    def polish(shrinker: Shrinker) -> None:
        seen.append(syntax.forward_statements(shrinker.tree()))

    reduction = Shrinker(SOURCE, keyword_judge(), STRUCTURE, polish=(polish,)).run()
    assert reduction.reason is ExitReason.FIXED_POINT
    assert seen == [1]  # once, after the deletions; it changed nothing, so no second round
