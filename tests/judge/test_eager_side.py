"""Eager's own bugs told apart from compile bugs: the layout and rounding references
judged on crafted results (no compile), then on real runs: eager's uint8 bilinear
interpolation (torch 2.15) and native_group_norm on a strided weight (torch 2.13, run
through that build's interpreter), beside a compile bug on a strided input."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch

from fuel.execute.pool import WorkerPool
from fuel.execute.records import (
    CompileOptions,
    DiscreteRecheck,
    Hazard,
    Phase,
    Probe,
    RunResult,
    Taint,
)
from fuel.judge.eager_side import TIE
from fuel.judge.judge import judge
from fuel.judge.verdict import Kind, Outcome, Stage, Verdict
from fuel.program import load_source, read_program
from tests.conftest import PROGRAMS
from tests.judge.crafted import result
from tests.judge.test_judge import OPTIONS

# An eager bug filed upstream (pytorch#113024), kept with the known-issue fixtures.
UINT8_BILINEAR = PROGRAMS.parent / "fixtures" / "known" / "interpolate_uint8_bilinear.py"
UPSAMPLE = Probe(aten_ops=("aten.upsample_bilinear2d.vec",))


def verdict_of(*args: object, **kwargs: object) -> Verdict:
    return judge(result(*args, **kwargs), OPTIONS)  # type: ignore[arg-type]


def floats(*values: float, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype)


def uint8(*values: int) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.uint8)


def test_eager_that_moves_with_layout_is_an_eager_bug_where_float64_agrees_with_eager() -> None:
    # a float64 program: the float64 reference is eager again and sides with it
    eager, compiled = floats(1.0, 2.0, 3.0, 100.0), floats(1.0, 2.0, 3.0, 4.0)
    v = verdict_of(eager, compiled, eager.clone(), contiguous=floats(1.0, 2.0, 3.0, 4.0))
    assert v.outcome is Outcome.BUG and v.kind is Kind.EAGER_LAYOUT and v.is_eager_bug
    assert v.stage is Stage.EAGER and v.signature is not None
    assert v.signature.text.startswith("eager_layout|float64|")
    assert v.numeric is not None and v.numeric.mismatched == 1
    assert v.numeric.worst_index == (3,) and v.numeric.reference_value == "4.0"
    assert "made contiguous" in v.detail and "compiled agrees" in v.detail


def test_without_the_contiguous_run_the_same_numbers_are_a_compile_bug() -> None:
    eager, compiled = floats(1.0, 2.0, 3.0, 100.0), floats(1.0, 2.0, 3.0, 4.0)
    v = verdict_of(eager, compiled, eager.clone())
    assert v.kind is Kind.NUMERIC_MISMATCH and not v.is_eager_bug


def test_a_compile_bug_on_a_non_contiguous_input_is_still_a_compile_bug() -> None:
    # eager gives the same answer on contiguous copies: the layout is not eager's problem
    eager, compiled = floats(1.0, 2.0, 3.0, 4.0), floats(1.0, 2.0, 3.0, 9.0)
    v = verdict_of(eager, compiled, eager.clone(), contiguous=eager.clone())
    assert v.outcome is Outcome.BUG and v.kind is Kind.NUMERIC_MISMATCH
    assert not v.is_eager_bug


def test_eager_moving_by_rounding_alone_is_not_blamed() -> None:
    # float32 kernels for another layout sum in another order: a few ulps, not a bug
    eager = floats(1.0, 2.0, 3.0, 4.0, dtype=torch.float32)
    moved = eager * (1 + 2e-7)
    compiled = floats(1.0, 2.0, 3.0, 9.0, dtype=torch.float32)
    v = verdict_of(eager, compiled, eager.double(), contiguous=moved)
    assert v.kind is Kind.NUMERIC_MISMATCH


def test_a_layout_bug_is_blamed_only_where_compiled_agrees_with_the_contiguous_run() -> None:
    eager, compiled = floats(1.0, 100.0, 3.0), floats(1.0, 7.0, 3.0)
    v = verdict_of(eager, compiled, eager.clone(), contiguous=floats(1.0, 4.0, 3.0))
    assert v.kind is Kind.NUMERIC_MISMATCH


def test_an_integer_value_moving_with_layout_is_an_eager_bug() -> None:
    eager, compiled = torch.tensor([5, 6, 8]), torch.tensor([5, 7, 8])
    v = verdict_of(eager, compiled, eager.clone(), contiguous=torch.tensor([5, 7, 8]))
    assert v.kind is Kind.EAGER_LAYOUT


def test_a_value_downstream_of_a_discontinuous_step_is_not_blamed_on_layout() -> None:
    # a cast to int after floats summed in another order moves a whole step
    eager, compiled = torch.tensor([5, 6, 8]), torch.tensor([5, 7, 8])
    step = DiscreteRecheck("output[0]", eager.clone(), ("aten._to_copy",), None)
    v = verdict_of(eager, compiled, eager.clone(), contiguous=compiled.clone(), rechecks=(step,))
    assert v.kind is Kind.NUMERIC_MISMATCH and not v.is_eager_bug


def test_eager_rounding_off_the_rounded_float64_computation_is_an_eager_bug() -> None:
    # uint8 bilinear interpolation: the float64 reference reruns eager's integer kernel
    eager, compiled = uint8(10, 20, 31, 40), uint8(10, 21, 30, 40)
    v = verdict_of(eager, compiled, eager.clone(), probe=UPSAMPLE, rounded=uint8(10, 21, 30, 40))
    assert v.outcome is Outcome.BUG and v.kind is Kind.EAGER_ROUNDING and v.is_eager_bug
    assert v.numeric is not None and v.numeric.mismatched == 2
    assert v.signature is not None
    assert v.signature.text == "eager_rounding|uint8|aten.upsample_bilinear2d"
    assert "rounded as torch specifies" in v.detail


def test_a_tie_either_side_rounds_correctly_is_no_ones_bug() -> None:
    eager, compiled = uint8(10, 21, 40), uint8(10, 22, 40)
    v = verdict_of(eager, compiled, eager.clone(), probe=UPSAMPLE,
                   rounded=uint8(10, 21, 40), rounded_up=uint8(10, 22, 40))  # fmt: skip
    assert v.outcome is Outcome.SKIPPED and TIE in v.detail


def test_ties_beside_eager_rounding_wrongly_leave_an_eager_bug() -> None:
    eager, compiled = uint8(10, 21, 33), uint8(10, 22, 32)
    v = verdict_of(eager, compiled, eager.clone(), probe=UPSAMPLE,
                   rounded=uint8(10, 21, 32), rounded_up=uint8(10, 22, 32))  # fmt: skip
    assert v.kind is Kind.EAGER_ROUNDING
    assert v.numeric is not None and v.numeric.mismatched == 1 and v.numeric.worst_index == (2,)


def test_compiled_rounding_off_the_rounded_float64_computation_is_a_compile_bug() -> None:
    eager, compiled = uint8(10, 21, 40), uint8(10, 25, 40)
    v = verdict_of(eager, compiled, eager.clone(), probe=UPSAMPLE, rounded=eager.clone())
    assert v.outcome is Outcome.BUG and v.kind is Kind.NUMERIC_MISMATCH


def test_a_float_value_computed_from_a_misrounded_integer_is_an_eager_bug() -> None:
    eager = floats(10.0, 20.0, dtype=torch.float32)
    compiled = floats(10.0, 21.0, dtype=torch.float32)
    v = verdict_of(eager, compiled, eager.double(), probe=UPSAMPLE, rounded=compiled.clone())
    assert v.kind is Kind.EAGER_ROUNDING


def test_a_compile_bug_in_another_value_outranks_an_eager_bug() -> None:
    eager = (uint8(10, 20), floats(1.0, 2.0))
    compiled = (uint8(10, 21), floats(1.0, 5.0))
    rounded = (uint8(10, 21), floats(1.0, 2.0))
    v = verdict_of(eager, compiled, eager, probe=UPSAMPLE, rounded=rounded)
    assert v.kind is Kind.NUMERIC_MISMATCH and v.numeric is not None
    assert v.numeric.where == "output[1]"


def test_an_eager_bug_outranks_an_excused_value() -> None:
    eager = (uint8(10, 20), uint8(1, 2))
    compiled = (uint8(10, 21), uint8(3, 4))
    rounded = (uint8(10, 21), uint8(1, 2))
    probe = Probe(aten_ops=("aten.upsample_bilinear2d.vec", "aten.rand.default"),
                  random_ops=("rand",), traced=True,
                  tainted=(("output[1]", (Taint(Hazard.RANDOM, "rand"),)),))  # fmt: skip
    v = verdict_of(eager, compiled, eager, probe=probe, rounded=rounded)
    assert v.kind is Kind.EAGER_ROUNDING and v.numeric is not None
    assert v.numeric.where == "output[0]"


def test_a_value_a_hazard_reaches_is_not_blamed_on_eager() -> None:
    eager, compiled = uint8(10, 20), uint8(10, 21)
    probe = Probe(aten_ops=("aten.upsample_bilinear2d.vec", "aten.rand.default"),
                  random_ops=("rand",), traced=True,
                  tainted=(("output[0]", (Taint(Hazard.RANDOM, "rand"),)),))  # fmt: skip
    v = verdict_of(eager, compiled, eager.clone(), probe=probe, rounded=compiled.clone())
    assert v.outcome is Outcome.SKIPPED and "random operators" in v.detail


# ---------------------------------------------------------------- real runs

ROOT = Path(__file__).resolve().parents[2]
TORCH_2_13 = ROOT / ".venv-torch-2.13.0" / "bin" / "python"
STRIDED_DIFFERS = """
import torch


class Model(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_compiling():  # a stand-in compile bug
            return x + 1
        return x


def make_inputs():
    return (torch.randn(4, 2, dtype=torch.float64)[:, 0],)
"""


@pytest.fixture(scope="module")
def runs(pool: WorkerPool) -> dict[str, tuple[RunResult, Verdict]]:
    """Each program run once by a real worker and judged."""
    sources = {
        "uint8_bilinear": read_program(UINT8_BILINEAR).source,
        "strided_differs": STRIDED_DIFFERS,
    }
    found = {}
    for name, source in sources.items():
        run = pool.run(load_source(source), CompileOptions())
        found[name] = (run, judge(run, CompileOptions()))
    return found


@pytest.mark.slow
def test_uint8_bilinear_interpolation_is_an_eager_bug(runs: dict[str, Any]) -> None:
    run, v = runs["uint8_bilinear"]
    assert v.outcome is Outcome.BUG and v.kind is Kind.EAGER_ROUNDING, v.detail
    ran = [outcome.phase for outcome in run.outcomes]
    assert Phase.ROUNDED in ran and Phase.CONTIGUOUS not in ran  # its input is contiguous


@pytest.mark.slow
def test_a_compile_bug_on_a_strided_input_stays_a_compile_bug(runs: dict[str, Any]) -> None:
    run, v = runs["strided_differs"]
    assert v.outcome is Outcome.BUG and v.kind is Kind.NUMERIC_MISMATCH, v.detail
    ran = [outcome.phase for outcome in run.outcomes]
    assert Phase.CONTIGUOUS in ran and Phase.ROUNDED not in ran  # no interpolation ran


@pytest.mark.slow
@pytest.mark.skipif(not TORCH_2_13.is_file(), reason=f"needs torch 2.13 at {TORCH_2_13}")
def test_group_norm_reading_a_strided_weight_is_an_eager_bug_on_torch_2_13() -> None:
    # fixed in torch 2.15: the mechanism is shown where it lives, through 2.13's interpreter
    program = PROGRAMS / "oracle" / "group_norm_strided_weight.py"
    done = subprocess.run(
        [str(TORCH_2_13), "-m", "tests.judge.run_alone", str(program)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
        text=True, timeout=600, check=True,
    )  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["torch"].startswith("2.13.")
    assert (found["outcome"], found["kind"]) == ("bug", "eager_layout"), found["detail"]
    assert "contiguous" in found["phases"]
