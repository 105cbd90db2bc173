"""The operator-selection contract and its registry (``--heuristic NAME``).

A heuristic proposes the set of operators (1 to ``max_ops`` catalog names) that the
next generated program is built around, and learns from every recorded test. The
campaign calls both methods from one thread only, so heuristics need no locks.

Proposals run ahead of results: with N workers, up to a few N programs are generated
before the feedback of the first arrives. A heuristic must therefore score from what
it has observed so far and never wait for the outcome of its own last proposal.

``observe`` may read only ``feedback.program.ops``, ``feedback.verdict.outcome``,
``feedback.new_lines`` and ``feedback.new_bug``: on ``--resume`` the campaign rebuilds
a heuristic by replaying those four fields of every recorded test from the store.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from fuel.errors import UsageError
from fuel.feedback.record import Feedback
from fuel.judge.verdict import Outcome

MAX_OPS = 3  # FUEL builds each program around one to three operators


@dataclass(frozen=True, slots=True)
class HeuristicSettings:
    operators: tuple[str, ...]  # the universe to choose from, sorted; may be empty
    seed: int = 0
    max_ops: int = MAX_OPS


@runtime_checkable
class Heuristic(Protocol):
    name: str

    def propose(self) -> tuple[str, ...]:
        """The operators of the next program; () when the universe is empty."""
        ...

    def observe(self, feedback: Feedback) -> None:
        """What one recorded test brought (see the module docstring for what to read)."""
        ...


def is_invalid(feedback: Feedback) -> bool:
    """Did the program fail to be a usable test (eager raised, or it never ran)?"""
    return feedback.verdict.outcome in (Outcome.INVALID, Outcome.REJECTED)


Factory = Callable[[HeuristicSettings], Heuristic]
_FACTORIES: dict[str, Factory] = {}
# The seed project's spellings (``--heuristic SA``) and other accepted names.
ALIASES = {"sa": "fasa", "fasa": "fasa", "random": "random", "uniform": "uniform"}
PROVIDERS = ("fuel.feedback.fasa", "fuel.feedback.baselines")


def register(name: str) -> Callable[[Factory], Factory]:
    def decorate(factory: Factory) -> Factory:
        if name in _FACTORIES:
            raise ValueError(f"heuristic {name!r} registered twice")
        _FACTORIES[name] = factory
        return factory

    return decorate


def _load_providers() -> None:
    for module in PROVIDERS:
        importlib.import_module(module)


def names() -> tuple[str, ...]:
    _load_providers()
    return tuple(sorted(_FACTORIES))


def canonical(name: str) -> str:
    """The registered name for what the user typed (``SA`` -> ``fasa``)."""
    _load_providers()
    resolved = ALIASES.get(name.lower(), name.lower())
    if resolved not in _FACTORIES:
        known = ", ".join(sorted(_FACTORIES))
        raise UsageError(f"unknown heuristic {name!r} (known: {known}; SA means fasa)")
    return resolved


def create(name: str, settings: HeuristicSettings) -> Heuristic:
    return _FACTORIES[canonical(name)](settings)
