"""Is it still the same bug? The reducer's oracle, pluggable.

A :data:`Judge` maps a candidate's source to a :class:`Verdict`. The real one,
:class:`PoolJudge`, loads the program, runs it on the campaign's warm workers and
asks :func:`fuel.judge.judge.judge`; tests plug in a crafted judge that decides in
microseconds, so that the reducer's logic can be checked on hundreds of programs.

:func:`same_bug` is the rule that keeps a reduction from drifting to another bug
(Hypothesis keeps the same ``interesting_origin`` for the same reason):

* crashes: the same kind, the same innermost exception type and the same
  normalised message (the signature's frame may move as the program shrinks);
* deaths (signals, timeouts, out of memory): the same kind, phase and manner;
* value mismatches: the same kind, on the same sort of value (an output, an input
  mutated in place, a gradient), of the same dtype. The full numeric signature
  names every aten operator the program ran, which is exactly what shrinking
  changes, so it cannot be kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fuel.errors import Rejected
from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions
from fuel.judge.judge import judge
from fuel.judge.signature import normalise_message
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.program import load_source

Judge = Callable[[str], Verdict]

DEATHS = (Kind.CRASH_SIGNAL, Kind.TIMEOUT, Kind.OOM)
EXCEPTIONS = (Kind.COMPILE_CRASH, Kind.EAGER_ONLY_ERROR)


def same_bug(target: Verdict, candidate: Verdict) -> bool:
    if not (target.is_bug and candidate.is_bug and target.kind is candidate.kind):
        return False
    if target.kind in DEATHS:
        return target.signature == candidate.signature
    if target.kind in EXCEPTIONS:
        return exception_identity(target) == exception_identity(candidate)
    return value_identity(target) == value_identity(candidate)


def exception_identity(verdict: Verdict) -> tuple[str, str] | None:
    if verdict.crash is None:
        return None
    return verdict.crash.exc_type, normalise_message(verdict.crash.message)


def value_identity(verdict: Verdict) -> tuple[str, str]:
    """('output', 'float32') for a mismatch of output[2] in float32."""
    if verdict.numeric is None:
        return ("", "")
    return value_category(verdict.numeric.where), verdict.numeric.dtype


def value_category(where: str) -> str:
    """output[1] -> output; grad:param:w -> grad; input[0] -> input; buffer:b -> buffer."""
    return re.split(r"[\[:]", where, maxsplit=1)[0]


@dataclass(frozen=True, slots=True)
class PoolJudge:
    """Judges candidates on warm workers, exactly as the campaign judged the original."""

    pool: WorkerPool
    options: CompileOptions
    allow_unsafe: bool = False

    def __call__(self, source: str) -> Verdict:
        try:
            spec = load_source(source, "candidate", allow_unsafe=self.allow_unsafe)
        except Rejected as rejected:
            return Verdict(Outcome.REJECTED, detail=rejected.reason)
        return judge(self.pool.run(spec, self.options), self.options)
