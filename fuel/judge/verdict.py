"""The verdict: what fuel concluded about one test, as a small frozen record.

It is stored (``campaign.db``, ``bugs/<id>/verdict.json``) and printed
(``fuel check --json``) through :mod:`fuel.serial`; its outcome is stored under the
key ``"verdict"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from fuel.execute.records import BISECT_LADDER
from fuel.judge.evidence import CrashEvidence, NumericEvidence
from fuel.judge.kinds import EAGER_KINDS, Kind, Outcome, Stage
from fuel.judge.signature import MISMATCH_KINDS, Signature, value_category

__all__ = [
    "BISECT_LADDER",
    "EAGER_KINDS",
    "Bisection",
    "CrashEvidence",
    "Kind",
    "NumericEvidence",
    "Outcome",
    "Stage",
    "Verdict",
]




@dataclass(frozen=True, slots=True)
class Bisection:
    """Which backends of the ladder (eager, aot_eager, ...) were tried, and the first that
    showed the bug; ``first`` is None when none of them did."""

    first: str | None
    tried: tuple[str, ...] = ()

    @classmethod
    def from_legacy(cls, text: str) -> Bisection:
        """Verdicts once kept the first backend, or "not reproduced", as text."""
        return cls(None if text == "not reproduced" else text)


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome = field(metadata={"json": "verdict"})
    kind: Kind | None = None
    stage: Stage | None = None
    detail: str = ""
    signature: Signature | None = None
    numeric: NumericEvidence | None = None
    crash: CrashEvidence | None = None
    ops: tuple[str, ...] = ()
    bisect: Bisection | None = None
    seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)
    # Set when fuel's own code failed on this test (a fuel bug, not the target's):
    # the exception's type and message. The outcome is then ``skipped``.
    fuel_error: str = ""
    # What a report must state beside the evidence: the program's settings and the
    # device it was moved to; a second look and what it showed (the mismatch survives
    # emulate_precision_casts, a timeout repeated alone); a measurement that lowers the
    # bug's rank (eager ill-conditioned).
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        signature = self.signature
        if signature is None or signature.value or self.numeric is None:
            return
        if signature.kind in MISMATCH_KINDS:  # read from a text that did not keep it
            value = value_category(self.numeric.where)
            object.__setattr__(self, "signature", replace(signature, value=value))

    @property
    def is_bug(self) -> bool:
        return self.outcome is Outcome.BUG

    @property
    def is_eager_bug(self) -> bool:
        """A bug of eager's own (compiled was right): never counted as a compile bug."""
        return self.is_bug and self.kind in EAGER_KINDS
