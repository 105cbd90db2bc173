"""What one test is worth to FASA: its reward, by the campaign's rule (``--reward``).

``fresh`` (the default) rewards what is new per worker-second::

    (ln(1 + weighted new lines) + bug term) / cost

* weighted new lines: the compiler lines the test covered first, each weighted by
  where bugs have been found (:mod:`fuel.feedback.bug_sites`);
* bug term: ``BUG_REWARD`` for a bug nobody has seen (a new signature that is neither
  known nor seen in an earlier campaign, until its root-cause class says otherwise),
  ``-STALE_PENALTY`` for a bug already known or seen (here or in a ``--seen``
  campaign), 0 for no bug and for eager's own bugs (reported apart: they are not
  compiler bugs, and the search should not drift toward them). Operators and settings
  that keep reaching the same bugs so lose weight instead of gaining it;
* cost: the worker-seconds the test took (at least ``MIN_COST_S``): programs differ
  tenfold in cost, mostly g++ per generated kernel, and the search should learn which
  sizes and settings pay for their time.

``classic`` is the reward before issue 24: ``ln(1 + new lines)``, plus ``BUG_REWARD``
for any new signature, per test. It is the baseline arm of ``bench/fresh_yield.py``.

The lines part and the bug part are kept apart because a test whose coverage was not
measured has no lines part (see :class:`~fuel.feedback.fasa.FeedbackAwareAnnealing`).
"""

from __future__ import annotations

import math

from fuel.feedback.bug_sites import weighted_lines
from fuel.feedback.record import Feedback

REWARDS = ("fresh", "classic")
DEFAULT_REWARD = "fresh"
# A new bug adds this to the reward: more than any single test's ln(1 + new lines)
# (10.3 for thirty thousand lines), so bug-finding operators rise.
BUG_REWARD = 12.0
# A bug already known or seen costs what a test that reached about fifty new lines
# earns (ln 51 = 3.9), an ordinary test's worth once the first hundred tests have
# passed: one stale bug cancels an ordinary test, two sink an operator's average.
STALE_PENALTY = 4.0
# Tests below this many worker-seconds count as costing it. A program that fails in
# eager compiles nothing and costs about 0.3 s; the quickest compiled tests take 3-4 s
# (the bench programs checked on torch 2.15 here: 0.29 s for the invalid one, 3.3-16.6 s
# for the eleven compiled). The floor keeps a test that compiled next to nothing from
# earning ten times a compiled one's for the few lines it reached; the loading and
# judging the driver does outside ``RunResult.seconds`` are paid by every test alike.
MIN_COST_S = 1.0


def is_fresh(rule: str) -> bool:
    return rule == "fresh"


def lines_term(feedback: Feedback, rule: str) -> float:
    """The reward of the test's new lines, before dividing by its cost."""
    if not is_fresh(rule):
        return math.log1p(feedback.new_lines)
    return math.log1p(weighted_lines(feedback.new_lines, feedback.new_lines_by_file))


def bug_term(feedback: Feedback, rule: str) -> float:
    """The reward of the test's bug, before dividing by its cost."""
    if not is_fresh(rule):
        return BUG_REWARD if feedback.new_bug else 0.0
    if feedback.verdict.is_eager_bug:  # eager's own kernel: not what fuel looks for
        return 0.0
    if feedback.stale_bug:
        return -STALE_PENALTY
    return BUG_REWARD if feedback.new_bug else 0.0


def cost(feedback: Feedback, rule: str) -> float:
    """What the rewards are divided by: worker-seconds (fresh), or 1 (a test: classic)."""
    return max(feedback.seconds, MIN_COST_S) if is_fresh(rule) else 1.0


def reward_of(feedback: Feedback, rule: str = DEFAULT_REWARD) -> float:
    """The whole reward of a test whose coverage was measured."""
    return (lines_term(feedback, rule) + bug_term(feedback, rule)) / cost(feedback, rule)
