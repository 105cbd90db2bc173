"""``hybrid``: the LLM writes programs, the built-in mutator varies them.

Model calls cost money and seconds; a mutation of a program costs neither, and keeps
the model's structure (which the synthesizer could not invent) while varying shapes,
dtypes and operators. The campaign already owns a corpus and mutates a share of its
rounds whenever the generator offers ``mutate(program, seed)``; so ``hybrid`` is the
LLM generator plus that method, and LLM programs that join the campaign's corpus are
mutated there. A plain ``llm`` generator offers no ``mutate``: every program is the
model's.

The mutator is a seam, :data:`Mutator`: ``fuel.llm.generator`` wires it to the
built-in generator's ``mutate(program, seed)``; tests pass any function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fuel import serial
from fuel.errors import Rejected
from fuel.feedback.record import Feedback
from fuel.generate.base import GenerationRequest, Generator, GeneratorStatus
from fuel.judge.verdict import Verdict
from fuel.llm.loop import LLMGenerator
from fuel.llm.status import LLMStatus
from fuel.program.record import Program

Mutator = Callable[[Program, int], Program]


class HybridGenerator(Generator):
    name = "hybrid"
    mutates = True

    def __init__(self, llm: LLMGenerator, mutator: Mutator) -> None:
        self.llm = llm
        self.mutator = mutator
        self.max_repairs = llm.max_repairs
        self.mutations = 0
        self.mutation_failures = 0

    def generate(self, request: GenerationRequest) -> Program:
        return self.llm.generate(request)

    def operators(self) -> tuple[str, ...]:
        return self.llm.operators()

    def mutate(self, program: Program, seed: int) -> Program:
        """A built-in mutation of ``program``; raises ``Rejected`` if none could be made."""
        try:
            child = self.mutator(program, seed)
        except Rejected:
            self.mutation_failures += 1
            raise
        self.mutations += 1
        return child

    def observe(self, feedback: Feedback) -> None:
        self.llm.observe(feedback)

    def repair(self, program: Program, verdict: Verdict) -> Program | None:
        return self.llm.repair(program, verdict)

    def preflight(self) -> None:
        self.llm.preflight()

    @property
    def should_stop(self) -> bool:
        return self.llm.should_stop

    def status(self) -> GeneratorStatus:
        status = self.llm_status()
        return GeneratorStatus(status.line(), status.cost_usd, serial.dumps(status))

    def llm_status(self) -> LLMStatus:
        return replace(self.llm.llm_status(), mutations=self.mutations)

    def cost_report(self) -> str:
        return self.llm.cost_report()
