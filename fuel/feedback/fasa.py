"""Feedback-aware simulated annealing (FASA): which operators the next program uses.

FUEL's heuristic keeps, per operator, how often it was used, how often its programs
were invalid and what coverage it brought; it scores a set of one to three operators
from those numbers and accepts a proposed set over the current one by the Metropolis
rule under a cooling temperature. This version keeps that frame and mends two weak
spots of the original:

1. **Reward is what is new.** An operator's gain is a recency-weighted average of the
   reward of its tests: ``ln(1 + lines covered for the first time in the campaign)``,
   plus a bonus for a new bug, measured against the campaign's own recent average
   (the rule, and the default one's weights, penalty and cost per worker-second, are
   in :mod:`fuel.feedback.reward`).
   Total lines covered by an operator's tests, which the original rewards, saturates:
   after a few hundred tests every operator covers about the same lines, and the score
   stops telling them apart. New lines fall as coverage saturates, but relatively to
   the campaign's average they keep ranking operators. The logarithm keeps the first
   tests, which "discover" the tens of thousands of lines every compile runs, from
   dominating the averages for hundreds of tests.
2. **Proposals are small moves.** A proposal changes the current set by one operator
   (swap one; sometimes add or drop one) instead of drawing a fresh random set. That is
   what makes annealing a local search: a good set is explored around, not forgotten
   at the next draw.

Score of an operator (each term in [0, 1]; a set scores the mean of its operators):

======== ======= ==================================================================
term     weight  value
======== ======= ==================================================================
gain     0.5     g / (g + G): g its average reward, G the campaign's (a negative
                 average, from bugs already known or seen, counts as 0)
valid    0.3     (valid + 1) / (uses + 2): Laplace-smoothed validity
fresh    0.2     1 / (1 + uses / (1 + mean uses)): rarely used operators first
======== ======= ==================================================================

An operator never used takes the campaign's average as its gain (0.5), so it is
neither shunned nor preferred for gain, and the freshness term draws it in.

A test whose coverage was not measured (``feedback.measured`` false: the campaign's
coverage policy skipped it, or coverage is off) counts as a use, valid or not, but
teaches no gain: its "0 new lines" is a blank, not a result. If it found a new bug it
does teach one, with the campaign's average as its unknown lines' reward plus the bug
bonus, so a bug still lifts its operators above the average; that imputed reward is
kept out of the campaign's own average.

A new signature is rewarded as a new bug when recorded; once reduced, its class may
prove known or seen (:meth:`FeedbackAwareAnnealing.reconsider`), and its operators'
reward is then corrected by the difference. Replay on resume reads the final word
(the test as stale), so a resumed campaign's averages differ from the live ones by
the decay that the correction skipped.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from fuel.feedback.heuristic import HeuristicSettings, is_invalid, register
from fuel.feedback.record import Feedback
from fuel.feedback.reward import bug_term, cost, reward_of

GAIN_WEIGHT = 0.5
VALID_WEIGHT = 0.3
FRESH_WEIGHT = 0.2
# Per use of one operator: its gain averages over roughly its last 1 / (1 - 0.8) = 5
# uses, so an operator that stopped bringing new lines sinks within a handful of tests.
OPERATOR_DECAY = 0.8
# Per recorded test: the campaign's average reward follows roughly its last 50 tests.
CAMPAIGN_DECAY = 0.98
# Score differences between sets are a few tenths at most. At T = 0.3 a set worse by
# 0.1 is accepted 72 % of the time (exploration); at T = 0.02, 0.7 % (exploitation).
START_TEMPERATURE = 0.3
FINAL_TEMPERATURE = 0.02
COOLING = 0.99  # per recorded test: from start to final in about 270 tests
REHEAT_EVERY = 1000  # tests; a long campaign anneals again rather than freezing
SWAP_SHARE = 0.7  # of proposals; the rest add or drop one operator when the size allows


@dataclass(slots=True)
class OperatorStats:
    """What the campaign has learnt about one operator (mutable, owned by FASA)."""

    uses: int = 0
    invalid: int = 0
    reward_sum: float = 0.0  # decayed by OPERATOR_DECAY per use
    reward_weight: float = 0.0  # the same decay applied to a count: the average's divisor

    def add(self, reward: float | None, invalid: bool) -> None:
        """One more use; ``reward`` None: its gain is unknown (coverage not measured)."""
        self.uses += 1
        self.invalid += invalid
        if reward is None:
            return
        self.reward_sum = self.reward_sum * OPERATOR_DECAY + reward
        self.reward_weight = self.reward_weight * OPERATOR_DECAY + 1.0

    def average_reward(self, default: float) -> float:
        return self.reward_sum / self.reward_weight if self.reward_weight else default


def accept(delta: float, temperature: float, draw: float) -> bool:
    """The Metropolis rule: always take a better set; a worse one with exp(delta / T)."""
    if delta >= 0:
        return True
    return draw < math.exp(delta / max(temperature, 1e-12))


def temperature_after(tests: int) -> float:
    step = tests % REHEAT_EVERY
    return FINAL_TEMPERATURE + (START_TEMPERATURE - FINAL_TEMPERATURE) * COOLING**step


class FeedbackAwareAnnealing:
    name = "fasa"

    def __init__(self, settings: HeuristicSettings) -> None:
        self.universe = tuple(sorted(set(settings.operators)))
        self.max_ops = max(1, settings.max_ops)
        self.reward = settings.reward  # the rule of fuel.feedback.reward
        self.rng = random.Random(f"fasa:{settings.seed}")
        self.stats: dict[str, OperatorStats] = {}
        self.observed = 0
        self.campaign_reward = 0.0  # decayed by CAMPAIGN_DECAY per test
        self.campaign_weight = 0.0
        self.current: tuple[str, ...] = ()
        self.accepted = 0
        self.rejected = 0

    # ---------------------------------------------------------------- learning
    def tokens_of(self, feedback: Feedback) -> tuple[str, ...]:
        """What a test used, of what this annealer chooses: its operators."""
        return feedback.program.ops

    def observe(self, feedback: Feedback) -> None:
        reward = self.operator_reward(feedback)
        invalid = is_invalid(feedback)
        for op in set(self.tokens_of(feedback)):
            self.stats.setdefault(op, OperatorStats()).add(reward, invalid)
        if feedback.measured:
            self.campaign_reward = (self.campaign_reward * CAMPAIGN_DECAY
                                    + reward_of(feedback, self.reward))  # fmt: skip
            self.campaign_weight = self.campaign_weight * CAMPAIGN_DECAY + 1.0
        self.observed += 1

    def operator_reward(self, feedback: Feedback) -> float | None:
        """What the test's operators earn; None: nothing known (see the docstring)."""
        if feedback.measured:
            return reward_of(feedback, self.reward)
        bug = bug_term(feedback, self.reward)
        return self.mean_reward() + bug / cost(feedback, self.reward) if bug else None

    def reconsider(self, feedback: Feedback) -> None:
        """A test observed as a new bug whose bug proved stale once reduced
        (``feedback.stale_bug``): what its tokens and the campaign earned from it is
        corrected by the difference, without counting a use."""
        rewarded = replace(feedback, stale_bug=False)
        delta = bug_term(feedback, self.reward) - bug_term(rewarded, self.reward)
        delta /= cost(feedback, self.reward)
        if delta == 0:
            return
        for token in set(self.tokens_of(feedback)):
            if token in self.stats:
                self.stats[token].reward_sum += delta
        if feedback.measured:
            self.campaign_reward += delta

    @property
    def temperature(self) -> float:
        return temperature_after(self.observed)

    def mean_reward(self) -> float:
        return self.campaign_reward / self.campaign_weight if self.campaign_weight else 0.0

    def operator_score(self, op: str, mean_uses: float | None = None) -> float:
        stats = self.stats.get(op) or OperatorStats()
        campaign = self.mean_reward()
        own = max(0.0, stats.average_reward(campaign))
        campaign = max(0.0, campaign)
        gain = own / (own + campaign) if own + campaign > 0 else 0.5
        valid = (stats.uses - stats.invalid + 1) / (stats.uses + 2)
        if mean_uses is None:
            mean_uses = self._mean_uses()
        fresh = 1.0 / (1.0 + stats.uses / (1.0 + mean_uses))
        return GAIN_WEIGHT * gain + VALID_WEIGHT * valid + FRESH_WEIGHT * fresh

    def set_score(self, ops: Sequence[str]) -> float:
        if not ops:
            return 0.0
        mean_uses = self._mean_uses()
        return sum(self.operator_score(op, mean_uses) for op in ops) / len(ops)

    def _mean_uses(self) -> float:
        if not self.universe:
            return 0.0
        return sum(s.uses for s in self.stats.values()) / len(self.universe)

    # ---------------------------------------------------------------- proposing
    def propose(self) -> tuple[str, ...]:
        if not self.universe:
            return ()
        if not self.current:
            size = self.rng.randint(1, min(self.max_ops, len(self.universe)))
            self.current = tuple(sorted(self.rng.sample(self.universe, size)))
            return self.current
        candidate = self.neighbour(self.current)
        delta = self.set_score(candidate) - self.set_score(self.current)
        if accept(delta, self.temperature, self.rng.random()):
            self.current = candidate
            self.accepted += 1
        else:
            self.rejected += 1
        return self.current

    def neighbour(self, ops: tuple[str, ...]) -> tuple[str, ...]:
        """The current set changed by one operator: swapped, added or dropped."""
        outside = [op for op in self.universe if op not in ops]
        members = list(ops)
        move = self.rng.random()
        can_grow = len(members) < self.max_ops and outside
        can_shrink = len(members) > 1
        if move >= SWAP_SHARE and (can_grow or can_shrink):
            grow = can_grow and (not can_shrink or move < (1 + SWAP_SHARE) / 2)
            if grow:
                members.append(self.rng.choice(outside))
            else:
                members.pop(self.rng.randrange(len(members)))
        elif outside:
            members[self.rng.randrange(len(members))] = self.rng.choice(outside)
        return tuple(sorted(members))


@register("fasa")
def _create(settings: HeuristicSettings) -> FeedbackAwareAnnealing:
    return FeedbackAwareAnnealing(settings)
