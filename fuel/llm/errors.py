"""Failures of the LLM path, split by what the campaign should do about them.

* :class:`EndpointDown` — the endpoint did not answer after every retry, not even to a
  list of its models. The generator catches it and carries on with the fallback
  generator; it never reaches the user.
* :class:`RequestFailed` — the endpoint answers, but this request got nothing usable
  (a slow model stalled before its first token). Only this round or repair is dropped:
  a live server is never taken for a dead one.
* :class:`BudgetExhausted` — the next request could pass ``--budget-usd``. It is the
  generator contract's ``GeneratorDone``: the campaign ends gracefully (results kept,
  reason shown).
* Configuration and preflight problems are plain ``UsageError``/``FuelError``: one line,
  exit code 2, before any work.
"""

from __future__ import annotations

from fuel.errors import FuelError
from fuel.generate.base import GeneratorDone


class EndpointDown(Exception):
    """Retries are exhausted: the endpoint is unreachable, overloaded or failing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RequestFailed(Exception):
    """The endpoint is alive, but this request failed after every retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RequestRefused(FuelError):
    """The endpoint answered, but refuses this request for good (key, model, format).

    ``status`` tells the generator whether only this request is at fault (400, 413,
    422: e.g. a prompt over the context length; the round is dropped) or every request
    will be (401, 403, 404: the campaign stops with this line).
    """

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status

    @property
    def fatal(self) -> bool:
        return self.status in (401, 403, 404)


class BudgetExhausted(GeneratorDone):
    """Spending more would pass the budget; the campaign should stop, keeping results."""

    def __init__(self, spent_usd: float, budget_usd: float) -> None:
        super().__init__(
            f"LLM budget reached: ${spent_usd:.4f} spent of ${budget_usd:.4f} (--budget-usd)"
        )
        self.spent_usd = spent_usd
        self.budget_usd = budget_usd
