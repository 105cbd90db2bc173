"""torch's own ``CompilerBisector`` on a bug's repro, in a fresh sandboxed interpreter.

After fuel's backend ladder has named the layer, PyTorch's tool goes further: it
disables the subsystems of the first backend that shows the bug (decompositions and
CSE under AOTAutograd; pre-grad, joint-graph and post-grad passes, config changes and
lowerings under Inductor) and bisects the repeated ones to the one application that
does it. :func:`compiler_bisect` runs it on the confirmed repro through
:mod:`fuel.triage.bisect_child` and keeps its answer as a
:class:`~fuel.store.bugdir.CompilerBisection`: as torch gave it, or why there is none
(no bisector in this torch, a run that could not say, the time limit). A repro that
kills its process (a signal, a hang) is not bisected: the bisector runs it in-process.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fuel import serial
from fuel.execute.script import ScriptResult, run_script
from fuel.judge.verdict import Kind, Verdict
from fuel.store.bugdir import CompilerBisection
from fuel.triage.bisect_child import MARK, Order

# The bisector compiles the repro once per question: the backend ladder (five
# backends), up to nine Inductor subsystems one by one, then about log2(n) runs to
# bisect n applications. A lowering bug took 17 compiles and 41 s on the 2-core
# development machine, a bug AOTAutograd shows 2 compiles and 1 s. Like a repro's
# confirmation it runs beside the workers, paced by the campaign's share gate; one that
# is not done after this long is cut and recorded as timed out.
TIME_LIMIT_S = 240.0
STDERR_LINES = 4
# Deaths end the bisector's own interpreter: nothing to bisect in-process.
NOT_BISECTED = (Kind.CRASH_SIGNAL, Kind.TIMEOUT)


def compiler_bisect(
    repro: str, program: str, verdict: Verdict, device: str = "cpu",
    time_limit_s: float = TIME_LIMIT_S,
) -> CompilerBisection:  # fmt: skip
    """Bisect the bug ``repro`` shows (``program``: the reduced program it was made from)."""
    if verdict.kind in NOT_BISECTED or (verdict.crash is not None and verdict.crash.signal):
        return CompilerBisection("not_run", detail="the bug kills the process; torch's "
                                 "bisector runs the repro in its own")  # fmt: skip
    order = Order(repro, program, crash_name(verdict), device)
    script = f"from fuel.triage.bisect_child import main\n\nmain({serial.dumps(order)!r})\n"
    with tempfile.TemporaryDirectory(prefix="fuel-bisect-") as folder:
        path = Path(folder) / "bisect.py"
        path.write_text(script, encoding="utf-8")
        return bisection_of(run_script(path, timeout_s=time_limit_s))


def crash_name(verdict: Verdict) -> str:
    """The exception a crash repro raises while the bug shows; '' for other symptoms."""
    if verdict.kind in (Kind.COMPILE_CRASH, Kind.OOM) and verdict.crash is not None:
        return verdict.crash.exc_type.rsplit(".", 1)[-1]
    return ""


def bisection_of(result: ScriptResult) -> CompilerBisection:
    seconds = round(result.seconds, 1)
    if result.timed_out:
        return CompilerBisection("timed_out", seconds=seconds,
                                 detail=f"cut after {seconds:.0f} s")  # fmt: skip
    line = next((line for line in reversed(result.stdout.splitlines()) if line.startswith(MARK)),
                None)  # fmt: skip
    if line is None:
        tail = " / ".join(result.stderr.strip().splitlines()[-STDERR_LINES:])
        return CompilerBisection("undecided", seconds=seconds, detail=(
            f"the bisection's interpreter ended with exit {result.exit_code}: {tail}"))  # fmt: skip
    return serial.loads(CompilerBisection, line.removeprefix(MARK))
