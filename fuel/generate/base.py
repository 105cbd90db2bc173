"""The contract every program generator keeps (built-in synthesizer, LLM, hybrid).

The campaign asks a generator for a program around a set of operators chosen by the
heuristic, tells it what happened (``observe``), and offers it invalid programs to
repair. A generator never runs programs itself; the campaign checks everything it
returns through the loader, the static check and the sandboxed workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from fuel.feedback.record import Feedback
from fuel.judge.verdict import Verdict
from fuel.program.record import Program


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    ops: tuple[str, ...]  # catalog operator names the program must use (may be empty)
    seed: int  # all randomness of the generation derives from it


@runtime_checkable
class Generator(Protocol):
    name: str

    def generate(self, request: GenerationRequest) -> Program:
        """A new program; raises ``fuel.errors.Rejected`` if none could be made."""
        ...

    def observe(self, feedback: Feedback) -> None:
        """What became of a program this generator (or another) made."""
        ...

    def repair(self, program: Program, verdict: Verdict) -> Program | None:
        """A corrected version of an invalid program, or None if it cannot repair."""
        ...
