"""What the LLM generator is doing, as one record for the display and the store.

``LLMGenerator.llm_status()`` makes it; ``status()`` hands the campaign its line, its
spending and the record itself (as JSON) in a ``GeneratorStatus``. The record says
whether programs come from the model or the fallback (and why), what was spent against
the budget, how many replies were unusable and how well self-repair works.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Mode(str, enum.Enum):
    LLM = "llm"  # programs come from the generation model
    FALLBACK = "fallback"  # the endpoint is down: the built-in generator stands in
    DRY_RUN = "dry-run"  # prompts are printed, nothing is sent
    STOPPED = "stopped"  # the budget is spent


@dataclass(frozen=True, slots=True)
class RepairStats:
    programs: int = 0  # invalid programs that got at least one repair attempt
    requests: int = 0  # repair requests made (at most max_repairs per program)
    repaired: int = 0  # programs whose repair ran in eager
    failed: int = 0  # programs given up: attempts used, or no usable reply

    @property
    def settled(self) -> int:
        return self.repaired + self.failed

    @property
    def rate(self) -> float | None:
        """Share of settled repairs that succeeded; None before any settled."""
        return self.repaired / self.settled if self.settled else None


@dataclass(frozen=True, slots=True)
class LLMStatus:
    mode: Mode
    model: str
    message: str  # why the mode is what it is, one line; "" when all is well
    rounds: int  # programs asked of this generator
    from_llm: int  # programs the model wrote that loaded
    from_fallback: int
    rejected_replies: int  # replies with no usable program (counted, sent to repair)
    rejection_reasons: tuple[tuple[str, int], ...]
    repairs: RepairStats
    endpoint_failures: tuple[tuple[str, int], ...]  # ("HTTP 429", 3), ("timeout", 1)
    cost_usd: float
    budget_usd: float | None
    cache_hits: int
    mutations: int = 0  # hybrid only: programs the built-in mutator derived from LLM ones
    tokens_per_s: float = 0.0  # the server's writing speed, learned from its answers
    steered: int = 0  # generation prompts that carried the analysis model's summary
    usage_estimated: int = 0  # answers whose tokens were estimated: the server gave no usage

    def line(self) -> str:
        """The progress display's one line: mode, spend, repair rate."""
        spend = f"${self.cost_usd:.4f}"
        if self.budget_usd is not None:
            spend += f"/${self.budget_usd:.2f}"
        rate = self.repairs.rate
        repair = f"repair {rate:.0%} of {self.repairs.settled}" if rate is not None else ""
        speed = f"{self.tokens_per_s:.0f} tok/s" if self.tokens_per_s else ""
        parts = [f"{self.mode.value} {self.model}", spend, speed, repair, self.message]
        return " · ".join(p for p in parts if p)
