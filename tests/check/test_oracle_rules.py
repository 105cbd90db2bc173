"""ORACLE.md's rules on real compiles, through the warm pool and the check step.

The expectations were established in plain torch 2.13 by ``bench/oracle_rules.py``
(eager, torch.compile and float64 on each program of ``tests/programs/oracle/``):

* amin over uint8 rows of 16: compiled 0, eager and float64 the true minimum; the
  argmin beside it has ties. A bug, on output[0].
* ``x // 0.1`` for x = 1.0: 9 eager and float64, 10 compiled, and 10 again when the
  floor division alone is compiled on eager's inputs. A bug.
* ``tanh(x).to(torch.int32)`` for x = ±9: 0 eager and float64, ±1 compiled; the cast
  alone on eager's tanh agrees. Not a bug: discrete amplification. The same upstream of
  ``unique`` (1 value eager, 3 compiled): not a bug, one nudge gives compiled's whole
  value; ``unique(x // 0.1)`` of 1.0 and 0.95: 1 value eager, 2 compiled, a bug.
* ``(x.to(bfloat16) * a.to(bfloat16)) * b.to(bfloat16)`` returned as float32: ``same()``
  fails, and ``emulate_precision_casts`` makes compiled equal eager (in 2.13 and 2.15).
  Not a bug upstream.
"""

from __future__ import annotations

import pytest

from fuel.check import Checker
from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions
from fuel.judge.rerun import INTENDED
from fuel.judge.verdict import Outcome, Verdict
from fuel.program import read_program
from tests.conftest import PROGRAMS

ORACLE = PROGRAMS / "oracle"


def check(pool: WorkerPool, name: str) -> Verdict:
    checker = Checker(pool, CompileOptions(), static_check=False)
    return checker.run(read_program(ORACLE / f"{name}.py"), second_look=True).verdict


@pytest.mark.slow
def test_a_value_beside_a_tied_index_is_a_bug(pool: WorkerPool) -> None:
    verdict = check(pool, "amin_beside_tied_argmin")
    assert verdict.outcome is Outcome.BUG, verdict.detail
    assert verdict.numeric is not None and verdict.numeric.where == "output[0]"


@pytest.mark.slow
def test_floor_division_wrong_on_identical_inputs_is_a_bug(pool: WorkerPool) -> None:
    verdict = check(pool, "floor_divide_tenth")
    assert verdict.outcome is Outcome.BUG, verdict.detail
    assert "identical inputs" in verdict.detail


@pytest.mark.slow
def test_a_cast_amplifying_rounding_is_not_a_bug(pool: WorkerPool) -> None:
    verdict = check(pool, "tanh_to_int")
    assert verdict.outcome is Outcome.SKIPPED, verdict.detail
    assert "discrete amplification" in verdict.detail


@pytest.mark.slow
def test_a_cast_amplifying_rounding_upstream_of_unique_is_not_a_bug(pool: WorkerPool) -> None:
    verdict = check(pool, "tanh_to_int_unique")  # 1 value eager, 3 compiled
    assert verdict.outcome is Outcome.SKIPPED, verdict.detail
    assert "discrete amplification" in verdict.detail


@pytest.mark.slow
def test_a_wrong_floor_division_upstream_of_unique_is_a_bug(pool: WorkerPool) -> None:
    verdict = check(pool, "floor_divide_tenth_unique")  # 1 value eager, 2 compiled
    assert verdict.outcome is Outcome.BUG, verdict.detail
    assert "identical inputs" in verdict.detail


@pytest.mark.slow
def test_a_bfloat16_mismatch_emulated_casts_remove_is_skipped(pool: WorkerPool) -> None:
    verdict = check(pool, "bfloat16_round_trip")
    assert verdict.outcome is Outcome.SKIPPED, verdict.detail
    assert INTENDED in verdict.detail


@pytest.mark.slow
def test_floats_made_from_integers_are_judged_against_float64(pool: WorkerPool) -> None:
    verdict = check(pool, "polynomial_of_integers")
    assert verdict.outcome is Outcome.PASS, verdict.detail
