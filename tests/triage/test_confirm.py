"""Confirming a repro in a fresh interpreter: its exit code says whether the bug shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Kind
from fuel.program import load_source
from fuel.report.repro import render_repro
from fuel.triage.confirm import confirm

ROOT = Path(__file__).parents[2]
EAGER = CompileOptions(backend="eager")  # Dynamo alone: a repro runs in seconds

DIFFERS = (ROOT / "tests" / "programs" / "compile_differs.py").read_text()
PASSES = DIFFERS.replace("return x + 1", "return x")
RAISES = DIFFERS.replace("return x + 1", "return x.reshape(3, 5)")  # traced: fails


@pytest.mark.slow
@pytest.mark.parametrize(
    "source,kind,exit_code,words",
    [
        (DIFFERS, Kind.NUMERIC_MISMATCH, 1, "BUG: compiled output[0] disagrees with eager"),
        (PASSES, Kind.NUMERIC_MISMATCH, 0, "eager and compiled agree"),
        (RAISES, Kind.COMPILE_CRASH, 1, "BUG: compiled raised where eager returned"),
    ],
    ids=["bug", "fixed", "crash"],
)
def test_repro_exit_code_in_a_fresh_interpreter(
    source: str, kind: Kind, exit_code: int, words: str
) -> None:
    done = confirm(render_repro(load_source(source), EAGER, "t"), kind, timeout_s=120)
    assert done.exit_code == exit_code, done.output
    assert done.reproduced is (exit_code == 1)
    assert words in done.output
    if exit_code == 1 and kind is Kind.NUMERIC_MISMATCH:
        assert "max abs diff 1" in done.output and "float64 reference" in done.output
