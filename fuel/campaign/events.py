"""What the round loop tells a display: kept apart from the loop so that showing a
summary (``fuel status``) never imports torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fuel.campaign.producer import Candidate
from fuel.judge.verdict import Verdict
from fuel.store import Recorded, Summary


@dataclass(frozen=True, slots=True)
class RoundDone:
    """One recorded test, as the display shows it."""

    recorded: Recorded
    candidate: Candidate
    verdict: Verdict
    new_lines: int
    new_bug: bool
    known: str | None
    measured: bool = True  # its coverage was measured (else ``new_lines`` is a blank)


class Display(Protocol):
    def note(self, text: str) -> None: ...

    def limits(self, time_limit_s: float | None, max_rounds: int | None) -> None:
        """The campaign's limits (stored ones on resume), for a "remaining" figure."""
        ...

    def tested(self, event: RoundDone) -> None: ...

    def refresh(self, summary: Summary, generator: str = "") -> None:
        """Redraw from the database's summary; ``generator`` is the generator's own
        status line (e.g. the LLM's mode and spend), "" when it has none."""
        ...

    def wants_refresh(self) -> bool: ...
