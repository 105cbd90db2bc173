"""Confirming a repro in a fresh interpreter: its exit code says whether the bug shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuel.execute.records import CompileOptions
from fuel.judge.verdict import CrashEvidence, Kind, NumericEvidence, Outcome, Verdict
from fuel.program import load_source
from fuel.report.repro import render_repro
from fuel.triage.confirm import confirm

ROOT = Path(__file__).parents[2]
EAGER = CompileOptions(backend="eager")  # Dynamo alone: a repro runs in seconds

DIFFERS = (ROOT / "tests" / "programs" / "compile_differs.py").read_text()
PASSES = DIFFERS.replace("return x + 1", "return x")
RAISES = DIFFERS.replace("return x + 1", "return x.reshape(3, 5)")  # traced: fails


VALUES = Verdict(
    Outcome.BUG, Kind.NUMERIC_MISMATCH, numeric=NumericEvidence("output[0]", "float32", (3, 5),
                                                                1.0, 1.0, 15, 15)
)  # fmt: skip
CRASH = Verdict(Outcome.BUG, Kind.COMPILE_CRASH, crash=CrashEvidence("RuntimeError", "shape"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "source,verdict,exit_code,words",
    [
        (DIFFERS, VALUES, 1, "max abs diff 1, max rel diff"),
        (PASSES, VALUES, 0, "compiled:"),
        (RAISES, CRASH, 1, "RuntimeError"),
        (RAISES, VALUES, 3, "repro error (not the bug): TorchRuntimeError"),  # another bug
    ],
    ids=["bug", "fixed", "crash", "cannot_check"],
)
def test_repro_exit_code_in_a_fresh_interpreter(
    source: str, verdict: Verdict, exit_code: int, words: str
) -> None:
    done = confirm(render_repro(load_source(source), EAGER, verdict, "t"), verdict, 120)
    assert done.exit_code == exit_code, done.output
    assert done.reproduced is (exit_code == 1)
    assert words in done.output
