"""The operator-selection contract and its registry (``--heuristic NAME``).

A heuristic proposes the set of operators (1 to ``max_ops`` catalog names) that the
next generated program is built around, and learns from every recorded test. The
campaign calls both methods from one thread only, so heuristics need no locks.

Proposals run ahead of results: with N workers, up to a few N programs are generated
before the feedback of the first arrives. A heuristic must therefore score from what
it has observed so far and never wait for the outcome of its own last proposal.

``observe`` may read only ``feedback.program.ops``, ``feedback.verdict.outcome``,
``feedback.new_lines``, ``feedback.new_lines_by_file``, ``feedback.new_bug``,
``feedback.stale_bug``, ``feedback.seconds``, ``feedback.measured`` and
``feedback.settings``: on ``--resume`` the campaign rebuilds a heuristic by replaying
those fields of every recorded test from the store. ``new_lines`` means something only
when ``measured``: a test the coverage policy did not measure reports 0.

``reconsider`` hears of a test observed with a new bug whose root-cause class, once
the bug was reduced, proved known or seen: the same feedback, ``stale_bug`` set. Replay
on resume gives such a test to ``observe`` as stale and never calls ``reconsider``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from fuel.feedback.record import Feedback
from fuel.feedback.reward import DEFAULT_REWARD
from fuel.judge.verdict import Outcome
from fuel.registry import Registry

MAX_OPS = 3  # FUEL builds each program around one to three operators


@dataclass(frozen=True, slots=True)
class HeuristicSettings:
    operators: tuple[str, ...]  # the universe to choose from, sorted; may be empty
    seed: int = 0
    max_ops: int = MAX_OPS
    reward: str = DEFAULT_REWARD  # how feedback is rewarded (fuel.feedback.reward)


@runtime_checkable
class Heuristic(Protocol):
    name: str

    def propose(self) -> tuple[str, ...]:
        """The operators of the next program; () when the universe is empty."""
        ...

    def observe(self, feedback: Feedback) -> None:
        """What one recorded test brought (see the module docstring for what to read)."""
        ...

    def reconsider(self, feedback: Feedback) -> None:
        """A test observed with a new bug whose class proved stale (``stale_bug``)."""
        ...


def is_invalid(feedback: Feedback) -> bool:
    """Did the program fail to be a usable test (eager raised, or it never ran)?"""
    return feedback.verdict.outcome in (Outcome.INVALID, Outcome.REJECTED)


Factory = Callable[[HeuristicSettings], Heuristic]
# The seed project's spelling (``--heuristic SA``); names are matched in lower case.
HEURISTICS: Registry[Factory] = Registry(
    "heuristic",
    providers=("fuel.feedback.fasa", "fuel.feedback.baselines"),
    aliases={"sa": "fasa"},
)
register = HEURISTICS.register


def names() -> tuple[str, ...]:
    return HEURISTICS.names()


def canonical(name: str) -> str:
    """The registered name for what the user typed (``SA`` -> ``fasa``)."""
    return HEURISTICS.canonical(name.lower())


def create(name: str, settings: HeuristicSettings) -> Heuristic:
    return HEURISTICS.get(name.lower())(settings)
