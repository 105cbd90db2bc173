"""torch's CompilerBisector on real repros, and the code it points at (real runs: slow).

Each program is judged by fuel's workers, its repro rendered from that verdict, and the
bisector run on it in a fresh sandboxed interpreter, as triage does."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuel.check import Checker
from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Verdict
from fuel.program import Program, load_source
from fuel.report.repro import render_repro
from fuel.store.bugdir import CompilerBisection
from fuel.triage.bisector import compiler_bisect
from fuel.triage.pointer import locate

pytestmark = pytest.mark.slow

PROGRAMS = Path(__file__).parent / "programs"  # the stand-in crash
BUGS = Path(__file__).parents[2] / "bench" / "bugs"  # real torch 2.15 bugs


def bisected(pool: WorkerPool, path: Path, backend: str = "inductor"
             ) -> tuple[Verdict, CompilerBisection]:  # fmt: skip
    source, name = path.read_text(), path.stem
    options = CompileOptions(backend=backend)
    verdict = Checker(pool, options).run(Program(source, name)).verdict
    assert verdict.is_bug, verdict
    repro = render_repro(load_source(source), options, verdict, name)
    return verdict, compiler_bisect(repro, source, verdict)


def test_a_decomposition_bug_points_at_the_decomposition(pool: WorkerPool) -> None:
    _, found = bisected(pool, BUGS / "multi_margin_nan.py")
    # The decomposition is registered for the Autograd key too: aot_eager already shows it,
    # and has no subsystem to disable, so the bisector names the backend alone...
    assert found.status == "backend_only" and found.answer is not None
    assert (found.answer.backend, found.answer.subsystem) == ("aot_eager", None)
    # ...and the decomposition, run alone in eager on the program's values, differs.
    [alone] = [c for c in found.alone if c.piece == "decomposition"]
    assert alone.operator == "aten.multi_margin_loss.default" and "nan" in alone.finding
    where = locate(found)
    assert where is not None
    assert (where.kind, where.file, where.function) == (
        "decomposition", "torch/_decomp/decompositions.py", "multi_margin_loss")
    assert "def multi_margin_loss(" in where.snippet and str(where.line) in where.snippet


def test_a_lowering_bug_points_at_the_lowering(pool: WorkerPool) -> None:
    _, found = bisected(pool, BUGS / "all_empty_dims.py")
    assert found.status == "found" and found.answer is not None
    assert (found.answer.backend, found.answer.subsystem) == ("inductor", "lowerings")
    assert found.answer.debug_info and found.answer.debug_info.startswith("any")  # an FX node
    assert found.operator == "aten.any.dims"  # all(dim=()) decomposes to any's lowering
    where = locate(found)
    assert where is not None and where.component == (
        "lowering:torch/_inductor/lowering.py:reduce_any")
    assert "register_lowering(aten.any)" in where.snippet


def test_a_crash_with_no_component_keeps_the_bisectors_answer_as_it_is(
    pool: WorkerPool,
) -> None:
    verdict, found = bisected(pool, PROGRAMS / "crash_when_compiling.py", backend="eager")
    assert verdict.crash is not None
    assert found.status == "backend_only" and found.answer is not None
    assert (found.answer.backend, found.answer.subsystem, found.answer.bisect_number,
            found.answer.debug_info) == ("eager", None, None, None)  # fmt: skip
    assert locate(found) is None  # Dynamo: nothing to point at, and nothing guessed
