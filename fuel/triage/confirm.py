"""Confirming a repro: it is kept only once it has shown the bug in a fresh interpreter.

Warm workers carry state (imported modules, compiled kernels, Dynamo's caches) that a
fresh interpreter does not, and a repro is derived from an untrusted program, so it
runs through :func:`fuel.execute.script.run_script`: alone, inside the sandbox.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fuel.execute.script import ScriptResult, run_script
from fuel.judge.verdict import Kind, Verdict
from fuel.report.repro import REPRO_ERROR
from fuel.store.bugdir import Confirmation

# A repro compiles cold in a fresh interpreter (~15 s here, more on a loaded machine);
# one that takes longer than this is reported as not confirmed rather than waited on.
CONFIRM_TIMEOUT_S = 300.0
# Lines of a dying script's stderr kept with its output.
STDERR_LINES = 20


def confirmation_of(result: ScriptResult, verdict: Verdict) -> Confirmation:
    output = result.stdout.rstrip()
    if result.exit_code != 0 and result.stderr.strip():
        output += "\n" + "\n".join(result.stderr.strip().splitlines()[-STDERR_LINES:])
    return Confirmation(shows_bug(result, verdict), result.exit_code, result.timed_out,
                        round(result.seconds, 1), output.strip())  # fmt: skip


def shows_bug(result: ScriptResult, verdict: Verdict) -> bool:
    """Exit 1 for what the repro detects, with the same exception for a crash; for
    deaths, the death itself. ``REPRO_ERROR`` is the repro saying it could not check."""
    kind = verdict.kind
    if kind is Kind.TIMEOUT:
        return result.timed_out
    if kind is Kind.CRASH_SIGNAL or (kind is Kind.OOM and verdict.crash and verdict.crash.signal):
        return result.exit_code is not None and result.exit_code not in (0, 1, REPRO_ERROR)
    if result.exit_code != 1:
        return False
    if kind in (Kind.COMPILE_CRASH, Kind.OOM) and verdict.crash is not None:
        return verdict.crash.exc_type.rsplit(".", 1)[-1] in result.stderr
    return True


def confirm(
    text: str, verdict: Verdict, timeout_s: float = CONFIRM_TIMEOUT_S
) -> Confirmation:
    """Run the repro ``text`` in a fresh sandboxed interpreter."""
    with tempfile.TemporaryDirectory(prefix="fuel-repro-") as folder:
        path = Path(folder) / "repro.py"
        path.write_text(text, encoding="utf-8")
        return confirmation_of(run_script(path, timeout_s=timeout_s), verdict)
