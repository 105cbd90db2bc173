"""Bisection over the backend ladder: which layer of torch.compile a bug is in.

Dynamo alone (``eager``), then AOTAutograd (``aot_eager``), then its decompositions and
partitioner (``aot_eager_decomp_partition``), then Inductor: the first backend on which
the same bug shows names the layer. Only backends up to the one the bug was found
with are tried.
"""

from __future__ import annotations

from fuel.check import Checker
from fuel.judge.verdict import BISECT_LADDER, Bisection, Verdict
from fuel.program import Program


def bisect(checker: Checker, program: Program, verdict: Verdict) -> Bisection:
    """The first backend of the ladder that shows ``verdict``'s bug for ``program``."""
    options = checker.options
    ladder: tuple[str, ...] = BISECT_LADDER
    if options.backend in ladder:
        ladder = ladder[: ladder.index(options.backend) + 1]
    tried: list[str] = []
    for backend in ladder:
        tried.append(backend)
        if backend == options.backend:
            return Bisection(backend, tuple(tried))
        other = checker.run(program, options.with_backend(backend)).verdict
        if other.is_bug and other.kind is verdict.kind:
            return Bisection(backend, tuple(tried))
    return Bisection(None, tuple(tried))
