"""Token accounting and the budget.

Every reply (cached or not) is one :class:`Charge`: which round and role it served,
its tokens and what it cost. The :class:`Ledger` sums them per role and per round for
the progress display and the store, and decides before each request whether it may
be sent: a request is refused when its worst case (prompt estimated generously,
completion at ``max_tokens``) could take spending past the budget, so a campaign
never overshoots ``--budget-usd`` by more than the estimate's error.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from fuel.llm.config import ModelRole, Role
from fuel.llm.errors import BudgetExhausted

# Tokens are ~4 characters of English or code for the tokenizers in use; 3 leaves a
# margin, since an underestimate here is what could overshoot the budget.
CHARS_PER_TOKEN_ESTIMATE = 3


@dataclass(frozen=True, slots=True)
class Charge:
    round: int
    role: Role
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    cached: bool  # served from the on-disk cache: nothing was sent, nothing paid


@dataclass(frozen=True, slots=True)
class Tally:
    """Sums over a group of charges."""

    requests: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, charge: Charge) -> Tally:
        return Tally(
            self.requests + (0 if charge.cached else 1),
            self.cached + (1 if charge.cached else 0),
            self.prompt_tokens + charge.prompt_tokens,
            self.completion_tokens + charge.completion_tokens,
            self.cost_usd + charge.cost_usd,
        )


@dataclass(frozen=True, slots=True)
class CostReport:
    """What the LLM cost so far, for the store (as JSON, :mod:`fuel.serial`) and the
    display."""

    total: Tally
    budget_usd: float | None
    by_role: tuple[tuple[Role, Tally], ...]
    by_round: tuple[tuple[int, Tally], ...]


class Ledger:
    """Thread-safe record of every charge, and the budget gate."""

    def __init__(self, budget_usd: float | None = None) -> None:
        self.budget_usd = budget_usd
        self._charges: list[Charge] = []
        self._lock = threading.Lock()

    @property
    def spent_usd(self) -> float:
        with self._lock:
            return sum(c.cost_usd for c in self._charges)

    def exhausted(self) -> bool:
        return self.budget_usd is not None and self.spent_usd >= self.budget_usd

    def admit(self, role: ModelRole, prompt_chars: int) -> None:
        """Raise ``BudgetExhausted`` if a request of this size could pass the budget."""
        if self.budget_usd is None:
            return
        worst = worst_case_cost(role, prompt_chars)
        spent = self.spent_usd
        if spent + worst > self.budget_usd:
            raise BudgetExhausted(spent, self.budget_usd)

    def record(self, charge: Charge) -> None:
        with self._lock:
            self._charges.append(charge)

    def charges(self) -> tuple[Charge, ...]:
        with self._lock:
            return tuple(self._charges)

    def report(self) -> CostReport:
        total = Tally()
        roles: dict[Role, Tally] = defaultdict(Tally)
        rounds: dict[int, Tally] = defaultdict(Tally)
        for charge in self.charges():
            total = total.add(charge)
            roles[charge.role] = roles[charge.role].add(charge)
            rounds[charge.round] = rounds[charge.round].add(charge)
        by_role = tuple((role, roles[role]) for role in Role if role in roles)
        return CostReport(total, self.budget_usd, by_role, tuple(sorted(rounds.items())))


def worst_case_cost(role: ModelRole, prompt_chars: int) -> float:
    if role.price is None:
        return 0.0
    prompt_tokens = prompt_chars // CHARS_PER_TOKEN_ESTIMATE + 16  # + message framing
    return role.price.cost(prompt_tokens, role.max_tokens)


def charge_for(
    round_: int, role: Role, spec: ModelRole, prompt: int, completion: int, cached: bool
) -> Charge:
    cost = 0.0 if cached or spec.price is None else spec.price.cost(prompt, completion)
    return Charge(round_, role, spec.model, prompt, completion, cost, cached)
