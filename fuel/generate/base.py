"""The contract every program generator keeps (built-in synthesizer, LLM, hybrid).

The campaign asks a generator for a program around a set of operators chosen by the
heuristic, tells it what happened (``observe``), offers it invalid programs to repair
and corpus programs to mutate, and shows what it says about itself. A generator never
runs programs itself; the campaign checks everything it returns through the loader,
the static check and the sandboxed workers.

========================= ================================ ============================
member                    default (:class:`Generator`)     caller
========================= ================================ ============================
``generate(request)``     (required)                       the generation thread
``observe(feedback)``     learns nothing                   the generation thread, per
                                                           recorded test
``repair(program,         None: cannot repair              the generation thread, for
verdict)``                                                 invalid programs
``max_repairs``           2                                the generation thread
``mutates``               False: no mutation rounds        the generation thread
``mutate(program, seed)`` raises ``Rejected``              the generation thread, for
                                                           a share of rounds
``operators()``           (): requests carry no operators  the campaign: the heuristic's
                                                           universe
``should_stop``           False                            the generation thread; True
                                                           ends the campaign gracefully
``status()``              an empty ``GeneratorStatus``     the display and the store
``cost_report()``         "" (costs nothing)               the store, when a run ends
``replica()``             None: programs are made here     a pool that makes programs
                                                           where it runs them (a Ray
                                                           cluster's nodes)
========================= ================================ ============================

A generator may also raise :class:`GeneratorDone` from ``generate`` or ``repair``
(the LLM's ``BudgetExhausted`` is one): the campaign then ends as at a limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from fuel.errors import FuelError, Rejected
from fuel.feedback.record import Feedback
from fuel.judge.verdict import Verdict
from fuel.program.record import Program

MAX_REPAIRS = 2  # a program repaired twice and still invalid is dropped


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    ops: tuple[str, ...]  # catalog operator names the program must use (may be empty)
    seed: int  # all randomness of the generation derives from it


@dataclass(frozen=True, slots=True)
class GeneratorStatus:
    """What a generator says about itself, as the display and the store keep it."""

    line: str = ""  # one line for the live display ("" when it has nothing to say)
    spent_usd: float | None = None  # money spent so far (an LLM), None when it costs none
    details: str = ""  # the generator's own record of itself, as JSON ("" when none)


class GeneratorDone(FuelError):
    """The generator will make no more programs (its budget is spent): the campaign
    ends as at a limit, not as on an error."""


class Generator:
    """Base of every generator: override ``generate`` and what differs from the defaults."""

    name: str = ""
    mutates: bool = False
    max_repairs: int = MAX_REPAIRS

    def generate(self, request: GenerationRequest) -> Program:
        """A new program; raises ``fuel.errors.Rejected`` if none could be made."""
        raise NotImplementedError

    def observe(self, feedback: Feedback) -> None:
        """What became of a program this generator (or another) made."""

    def repair(self, program: Program, verdict: Verdict) -> Program | None:
        """A corrected version of an invalid program, or None if it cannot repair."""
        return None

    def mutate(self, program: Program, seed: int) -> Program:
        """A variant of ``program``; raises ``Rejected`` if none could be made."""
        raise Rejected(f"the {self.name or 'this'} generator does not mutate programs")

    def operators(self) -> tuple[str, ...]:
        """The operator names requests may carry (the heuristic's universe), sorted."""
        return ()

    @property
    def should_stop(self) -> bool:
        return False

    def status(self) -> GeneratorStatus:
        return GeneratorStatus()

    def cost_report(self) -> str:
        """What the generator cost, as JSON; "" when it costs nothing."""
        return ""

    def replica(self) -> Generator | None:
        """A copy of this generator, to be pickled into another process, whose
        ``generate`` makes the very program this one would from the same request;
        None when its programs can only be made here (an LLM's depend on its
        conversation and budget). Only ``generate`` moves: the copy learns nothing, and
        repairs and mutations stay with this generator."""
        return None
