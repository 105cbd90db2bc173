"""Baselines that ignore feedback, to measure what FASA's learning is worth.

``random`` draws a fresh set of one to three operators each round, uniformly: the
sampling FUEL's heuristic is compared against. ``uniform`` walks the catalog so that
every operator is used equally often (least-used first, ties broken at random): the
best a campaign can do for operator coverage without looking at results.
"""

from __future__ import annotations

import random
from collections import Counter

from fuel.feedback.heuristic import HeuristicSettings, register
from fuel.feedback.record import Feedback


class RandomSets:
    name = "random"

    def __init__(self, settings: HeuristicSettings) -> None:
        self.universe = tuple(sorted(set(settings.operators)))
        self.max_ops = max(1, settings.max_ops)
        self.rng = random.Random(f"random:{settings.seed}")

    def propose(self) -> tuple[str, ...]:
        if not self.universe:
            return ()
        size = self.rng.randint(1, min(self.max_ops, len(self.universe)))
        return tuple(sorted(self.rng.sample(self.universe, size)))

    def observe(self, feedback: Feedback) -> None:
        """Random sampling learns nothing."""

    def reconsider(self, feedback: Feedback) -> None:
        """Nor unlearns anything."""


class UniformUse:
    name = "uniform"

    def __init__(self, settings: HeuristicSettings) -> None:
        self.universe = tuple(sorted(set(settings.operators)))
        self.max_ops = max(1, settings.max_ops)
        self.rng = random.Random(f"uniform:{settings.seed}")
        self.proposed: Counter[str] = Counter()

    def propose(self) -> tuple[str, ...]:
        if not self.universe:
            return ()
        size = self.rng.randint(1, min(self.max_ops, len(self.universe)))
        order = sorted(self.universe, key=lambda op: (self.proposed[op], self.rng.random()))
        chosen = tuple(sorted(order[:size]))
        self.proposed.update(chosen)
        return chosen

    def observe(self, feedback: Feedback) -> None:
        """Counts its own proposals, not results: on resume it starts even again."""

    def reconsider(self, feedback: Feedback) -> None:
        """Results do not count."""


@register("random")
def _random(settings: HeuristicSettings) -> RandomSets:
    return RandomSets(settings)


@register("uniform")
def _uniform(settings: HeuristicSettings) -> UniformUse:
    return UniformUse(settings)
