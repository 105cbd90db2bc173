"""The coverage policy: which tests a campaign measures."""

from __future__ import annotations

import pytest

from fuel.campaign.measure import FIRST_MEASURED, SAMPLE_SHARE, CoveragePolicy, in_sample
from fuel.execute.options import CompileSetting
from fuel.program.record import Program

DYNAMIC = (CompileSetting("dynamic", True),)


def program(index: int, ops: tuple[str, ...] = ("add", "mul")) -> Program:
    return Program(f"# program {index}\n", f"p{index}", index, ops)


def test_all_measures_every_test() -> None:
    policy = CoveragePolicy("all")
    assert all(policy.wants(program(i), (), mutant=False) for i in range(20))


def test_new_measures_until_every_token_has_its_first_measurements() -> None:
    policy = CoveragePolicy("new")
    first = [policy.wants(program(i), (), mutant=False) for i in range(FIRST_MEASURED + 3)]
    assert first == [True] * FIRST_MEASURED + [False] * 3
    assert policy.wants(program(10, ("mul", "add", "sub")), (), mutant=False)  # a new operator
    assert policy.wants(program(11), DYNAMIC, mutant=False)  # a new setting token
    assert not policy.wants(program(12, ("add",)), (), mutant=False)  # old tokens only
    assert policy.wants(program(13), (), mutant=True)  # a mutant, though nothing is new


def test_sampled_adds_a_share_of_the_rest_drawn_from_the_digest() -> None:
    policy = CoveragePolicy("sampled")
    for i in range(FIRST_MEASURED):
        assert policy.wants(program(-1 - i), (), mutant=False)
    chosen = [policy.wants(program(i), (), mutant=False) for i in range(2000)]
    assert chosen == [in_sample(program(i).digest) for i in range(2000)]  # reproducible
    assert sum(chosen) / len(chosen) == pytest.approx(SAMPLE_SHARE, abs=0.03)


def test_resume_counts_only_the_tests_stored_as_measured() -> None:
    policy = CoveragePolicy("new")
    for _ in range(FIRST_MEASURED):
        policy.remember(("add", "mul"), DYNAMIC, measured=True)
    policy.remember(("sub",), (), measured=False)
    assert not policy.wants(program(0), DYNAMIC, mutant=False)
    assert policy.wants(program(1, ("sub",)), (), mutant=False)


def test_without_coverage_nothing_is_measured() -> None:
    policy = CoveragePolicy("all", enabled=False)
    assert not any(policy.wants(program(i), (), mutant=True) for i in range(5))


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="coverage policy"):
        CoveragePolicy("some")


def test_an_order_is_decided_from_its_operators_settings_and_seed() -> None:
    policy = CoveragePolicy("sampled")
    assert policy.wants_order(("add",), DYNAMIC, seed=1)  # new tokens
    for seed in range(FIRST_MEASURED):
        policy.wants_order(("mul",), (), seed)
    chosen = [policy.wants_order(("mul",), (), seed) for seed in range(2000)]
    again = CoveragePolicy("sampled")
    again.measured.update({"mul": FIRST_MEASURED})
    assert chosen == [again.wants_order(("mul",), (), seed) for seed in range(2000)]
    assert abs(sum(chosen) / len(chosen) - SAMPLE_SHARE) < 0.05
    assert not CoveragePolicy("sampled", enabled=False).wants_order(("add",), (), seed=1)
