"""The heuristic registry and the two baselines."""

from __future__ import annotations

from collections import Counter

import pytest

from fuel.errors import UsageError
from fuel.feedback.heuristic import Heuristic, HeuristicSettings, canonical, create, names

OPS = ("a", "b", "c", "d", "e", "f")


def test_registry_knows_the_three_and_the_seed_spelling() -> None:
    assert names() == ("fasa", "random", "uniform")
    assert canonical("SA") == "fasa"
    assert canonical("Random") == "random"
    for name in names():
        heuristic = create(name, HeuristicSettings(OPS, seed=1))
        assert isinstance(heuristic, Heuristic)
        assert heuristic.name == name


def test_unknown_heuristic_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown heuristic 'annealing'"):
        canonical("annealing")


@pytest.mark.parametrize("name", ["random", "uniform", "fasa"])
def test_sets_have_one_to_three_distinct_known_operators(name: str) -> None:
    heuristic = create(name, HeuristicSettings(OPS, seed=2))
    sizes: Counter[int] = Counter()
    for _ in range(200):
        ops = heuristic.propose()
        assert set(ops) <= set(OPS) and len(set(ops)) == len(ops)
        sizes[len(ops)] += 1
    assert set(sizes) == {1, 2, 3}


def test_uniform_uses_every_operator_about_equally() -> None:
    heuristic = create("uniform", HeuristicSettings(OPS, seed=3))
    uses = Counter(op for _ in range(300) for op in heuristic.propose())
    assert max(uses.values()) - min(uses.values()) <= 3


def test_random_is_reproducible_by_seed() -> None:
    a = create("random", HeuristicSettings(OPS, seed=4))
    b = create("random", HeuristicSettings(OPS, seed=4))
    assert [a.propose() for _ in range(20)] == [b.propose() for _ in range(20)]
