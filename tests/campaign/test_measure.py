"""The coverage policy: which tests a campaign measures."""

from __future__ import annotations

import pytest

from fuel.campaign.measure import SAMPLE_SHARE, CoveragePolicy, key_of, sampled
from fuel.program.record import Program


def program(index: int, ops: tuple[str, ...] = ("add", "mul")) -> Program:
    return Program(f"# program {index}\n", f"p{index}", index, ops)


def test_all_measures_every_test() -> None:
    policy = CoveragePolicy("all")
    assert all(policy.wants(program(i), (), mutant=False) for i in range(20))


def test_new_measures_a_new_key_once_and_every_mutant() -> None:
    policy = CoveragePolicy("new")
    assert policy.wants(program(0), (), mutant=False)
    assert not policy.wants(program(1), (), mutant=False)  # same operators, same settings
    assert not policy.wants(program(2, ("mul", "add")), (), mutant=False)  # order is no key
    assert policy.wants(program(3), ("dynamic=True",), mutant=False)  # new settings
    assert policy.wants(program(4, ("add",)), (), mutant=False)  # new operators
    assert policy.wants(program(5), (), mutant=True)  # a mutant, though its key is known


def test_sampled_adds_a_share_of_the_known_keys_drawn_from_the_digest() -> None:
    policy = CoveragePolicy("sampled")
    assert policy.wants(program(0), (), mutant=False)
    chosen = [policy.wants(program(i), (), mutant=False) for i in range(1, 2001)]
    assert chosen == [sampled(program(i)) for i in range(1, 2001)]  # reproducible
    assert sum(chosen) / len(chosen) == pytest.approx(SAMPLE_SHARE, abs=0.03)


def test_remembered_keys_are_not_new_on_resume() -> None:
    policy = CoveragePolicy("new")
    policy.remember(("mul", "add"), ("dynamic=True",))
    assert not policy.wants(program(0), ("dynamic=True",), mutant=False)
    assert key_of(("b", "a", "a"), ("y", "x")) == (("a", "b"), ("x", "y"))


def test_without_coverage_nothing_is_measured() -> None:
    policy = CoveragePolicy("all", enabled=False)
    assert not any(policy.wants(program(i), (), mutant=True) for i in range(5))


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="coverage policy"):
        CoveragePolicy("some")
