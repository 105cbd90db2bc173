"""Crafted judges: decide in-process, in milliseconds, with a bug planted on purpose.

The "compiled" run is eager under a ``TorchFunctionMode`` that corrupts one operator
(adds 1 to its result) or makes it raise, so that the real judge sees a real
mismatch or crash without any compile. The program really runs, so a candidate the
reducer breaks really is invalid.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from torch.overrides import TorchFunctionMode

from fuel.errors import Rejected
from fuel.execute.records import CompileOptions, ExitStatus, Phase, RunResult
from fuel.execute.runner import in_float64, instantiate, perturbed, run_phase
from fuel.judge.judge import judge
from fuel.judge.verdict import Outcome, Verdict
from fuel.program import load_source

OPTIONS = CompileOptions(backend="eager")


class PlantedBug(TorchFunctionMode):
    """Corrupts every call of the operators named ``trigger`` (by function name)."""

    def __init__(self, trigger: str, crash: bool) -> None:
        super().__init__()
        self.trigger = trigger
        self.crash = crash

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: Any = (), kwargs: Any = None
    ) -> Any:
        result = func(*args, **(kwargs or {}))
        if getattr(func, "__name__", "") == self.trigger:
            if self.crash:
                raise RuntimeError(
                    f"planted failure in {self.trigger} on shape {list(result.shape)}"
                )
            return result + 1
        return result


def planted_judge(trigger: str = "remainder", crash: bool = False) -> Callable[[str], Verdict]:
    """A judge under which ``trigger`` is miscompiled (numeric) or crashes the compile."""

    def run(source: str) -> Verdict:
        with tempfile.TemporaryDirectory(prefix="fuel-crafted-") as workdir:
            return judged(source, Path(workdir))

    def judged(source: str, workdir: Path) -> Verdict:
        try:
            spec = load_source(source, allow_unsafe=True)
        except Rejected as rejected:
            return Verdict(Outcome.REJECTED, detail=rejected.reason)
        try:
            instance = instantiate(spec, workdir, "cpu", 0)
        except Exception as error:  # the candidate does not even build
            return Verdict(Outcome.INVALID, detail=f"setup failed: {error}")
        eager = run_phase(Phase.EAGER, instance, OPTIONS)
        repeat = run_phase(Phase.EAGER_REPEAT, instance, OPTIONS)
        bug = PlantedBug(trigger, crash)
        compiled = replace(
            run_phase(Phase.EAGER, instance, OPTIONS, mode=bug), phase=Phase.COMPILED
        )
        outcomes = [eager, repeat, compiled]
        if eager.ok and compiled.ok:
            outcomes.append(run_phase(Phase.REFERENCE, instance, OPTIONS, prepare=in_float64))
            outcomes.append(run_phase(Phase.PERTURBED, instance, OPTIONS, prepare=perturbed))
        return judge(RunResult(ExitStatus.COMPLETED, tuple(outcomes)), OPTIONS)

    return run
