"""The judge's decisions on crafted eager / compiled / float64 tensors (no compile)."""

from __future__ import annotations

import signal
from pathlib import Path

import torch

import fuel
from fuel import serial
from fuel.execute.records import CompileOptions, ExitStatus, Phase, Probe, RunResult
from fuel.judge.judge import judge
from fuel.judge.verdict import Kind, Outcome, Stage, Verdict
from tests.judge.crafted import failure, outcome, result

OPTIONS = CompileOptions()
INDUCTOR = "/site-packages/torch/_inductor/"
DYNAMO = "/site-packages/torch/_dynamo/"


def verdict_of(*args: object, **kwargs: object) -> Verdict:
    return judge(result(*args, **kwargs), OPTIONS)  # type: ignore[arg-type]


def test_identical_outputs_pass() -> None:
    x = torch.randn(4, 4)
    assert verdict_of(x, x.clone()).outcome is Outcome.PASS


def test_rounding_noise_within_float64_evidence_passes() -> None:
    ref = torch.randn(1000, dtype=torch.float64)
    eager = (ref * (1 + 1e-7 * torch.randn(1000, dtype=torch.float64))).float()
    compiled = (ref * (1 + 2e-7 * torch.randn(1000, dtype=torch.float64))).float()
    assert verdict_of(eager, compiled, ref, eager).outcome is Outcome.PASS


def test_clearly_wrong_value_is_a_numeric_bug_with_evidence() -> None:
    ref = torch.linspace(-3, 3, 100, dtype=torch.float64)
    eager = ref.float()
    compiled = eager.clone()
    compiled[17] += 0.5
    v = verdict_of(eager, compiled, ref, eager)
    assert v.outcome is Outcome.BUG and v.kind is Kind.NUMERIC_MISMATCH
    assert v.numeric is not None
    assert v.numeric.max_abs_diff > 0.49
    assert v.numeric.worst_index == (17,)
    assert v.numeric.compiled_fp64_error > v.numeric.eager_fp64_error  # type: ignore[operator]
    assert v.signature is not None and v.signature.text.startswith("numeric_mismatch|float32|")


def test_ill_conditioned_output_is_not_blamed_on_the_compiler() -> None:
    # eager itself is far from float64, and a tiny nudge moves it as much as compiled
    ref = torch.ones(50, dtype=torch.float64)
    eager = torch.ones(50) * 1.01
    compiled = torch.ones(50) * 0.99
    assert verdict_of(eager, compiled, ref, torch.ones(50) * 0.99).outcome is Outcome.PASS


def test_huge_values_are_judged_relatively() -> None:
    ref = torch.full((10,), 3.0e37, dtype=torch.float64)
    eager = ref.float()
    compiled = eager * (1 + 3e-7)
    assert verdict_of(eager, compiled, ref, eager).outcome is Outcome.PASS


def test_half_precision_uses_looser_tolerance() -> None:
    ref = torch.randn(256, dtype=torch.float64)
    eager = ref.half()
    compiled = (ref * (1 + 4e-4)).half()
    assert verdict_of(eager, compiled, ref, eager).outcome is Outcome.PASS


def test_nan_in_same_place_is_agreement() -> None:
    x = torch.tensor([1.0, float("nan"), 3.0])
    assert verdict_of(x, x.clone()).outcome is Outcome.PASS


def test_nan_only_in_compiled_is_a_nan_inf_bug() -> None:
    eager = torch.tensor([1.0, 2.0, 3.0])
    compiled = torch.tensor([1.0, float("nan"), 3.0])
    v = verdict_of(eager, compiled, eager.double(), eager)
    assert v.kind is Kind.NAN_INF_MISMATCH and v.outcome is Outcome.BUG


def test_compiled_finite_where_float64_is_finite_and_eager_overflowed_passes() -> None:
    # float16 eager overflowed to inf; the float64 result fits in float16: compiled is right
    ref = torch.tensor([60000.0, 1.0], dtype=torch.float64)
    eager = torch.tensor([float("inf"), 1.0], dtype=torch.float16)
    compiled = torch.tensor([60000.0, 1.0], dtype=torch.float16)
    assert verdict_of(eager, compiled, ref, eager).outcome is Outcome.PASS


def test_dtype_mismatch() -> None:
    v = verdict_of(torch.ones(3), torch.ones(3, dtype=torch.float64))
    assert v.kind is Kind.DTYPE_MISMATCH


def test_shape_mismatch() -> None:
    v = verdict_of(torch.ones(3), torch.ones(1, 3))
    assert v.kind is Kind.SHAPE_MISMATCH


def test_integer_outputs_must_match_exactly() -> None:
    eager = torch.arange(10, dtype=torch.int32)
    compiled = eager.clone()
    compiled[3] = 4
    v = verdict_of(eager, compiled, eager.clone(), eager.clone())
    assert v.outcome is Outcome.BUG and v.kind is Kind.NUMERIC_MISMATCH


def test_integer_wraparound_is_undefined_behaviour() -> None:
    eager = torch.tensor([127, 1], dtype=torch.int8)
    compiled = torch.tensor([-128, 1], dtype=torch.int8)
    v = verdict_of(eager, compiled, eager.clone(), eager.clone())
    assert v.outcome is Outcome.SKIPPED and "overflow" in v.detail


def test_a_nudge_lowers_the_rank_of_a_discrete_mismatch_but_never_dismisses_it() -> None:
    # eager and float64 agree exactly, compiled not: the perturbed run only adds a note
    eager = torch.tensor([3, 7], dtype=torch.int64)
    compiled = torch.tensor([2, 7], dtype=torch.int64)
    perturbed = torch.tensor([2, 7], dtype=torch.int64)
    v = verdict_of(eager, compiled, eager.clone(), perturbed)
    assert v.outcome is Outcome.BUG and "nudged" in v.notes[0]


def test_in_place_mutation_of_an_input_is_compared() -> None:
    out = torch.ones(2)
    eager = outcome(Phase.EAGER, out, state={"input[0]": torch.tensor([2.0, 2.0])})
    compiled = outcome(Phase.COMPILED, out, state={"input[0]": torch.tensor([1.0, 1.0])})
    ref = outcome(Phase.REFERENCE, out.double(), state={"input[0]": torch.tensor([2.0, 2.0])})
    v = verdict_of(eager, compiled, ref, eager)
    assert v.kind is Kind.MUTATION_MISMATCH


def test_random_operator_mismatch_is_skipped() -> None:
    probe = Probe(aten_ops=("aten.rand.default",), random_ops=("rand",))
    v = verdict_of(torch.zeros(3), torch.ones(3), torch.zeros(3).double(), probe=probe)
    assert v.outcome is Outcome.SKIPPED and "random" in v.detail


def test_duplicate_index_scatter_mismatch_is_skipped() -> None:
    probe = Probe(aten_ops=("aten.scatter.src",), duplicate_index_writes=("scatter",))
    v = verdict_of(torch.zeros(3), torch.ones(3), torch.zeros(3).double(), probe=probe)
    assert v.outcome is Outcome.SKIPPED and "duplicate" in v.detail


def test_ties_excuse_only_discrete_outputs() -> None:
    probe = Probe(aten_ops=("aten.argmax.default",), ties=("argmax",))
    index = verdict_of(torch.tensor([0]), torch.tensor([1]), torch.tensor([0]), probe=probe)
    assert index.outcome is Outcome.SKIPPED
    value = verdict_of(torch.zeros(3), torch.ones(3), torch.zeros(3).double(), probe=probe)
    assert value.outcome is Outcome.BUG


def test_uninitialised_memory_mismatch_is_skipped() -> None:
    probe = Probe(aten_ops=("aten.empty.memory_format",), uninitialised=("empty",))
    v = verdict_of(torch.zeros(3), torch.ones(3), torch.zeros(3).double(), probe=probe)
    assert v.outcome is Outcome.SKIPPED


def test_nondeterministic_eager_is_skipped() -> None:
    v = verdict_of(torch.zeros(3), torch.zeros(3), repeat=torch.ones(3))
    assert v.outcome is Outcome.SKIPPED and "nondeterministic" in v.detail


def test_both_raise_is_invalid() -> None:
    error = failure("RuntimeError", "shapes cannot be multiplied")
    v = verdict_of(error, error)
    assert v.outcome is Outcome.INVALID


def test_compile_only_crash_is_a_bug_with_stage_and_signature() -> None:
    inner = failure(
        "torch._inductor.exc.LoweringException",
        "AssertionError: buf3 size 12",
        INDUCTOR + "graph.py",
        INDUCTOR + "lowering.py",
    )
    outer = failure(
        "torch._dynamo.exc.BackendCompilerFailed",
        "backend='inductor' raised",
        DYNAMO + "convert_frame.py",
        DYNAMO + "output_graph.py",
        cause=inner,
    )
    v = verdict_of(torch.ones(2), outer)
    assert v.outcome is Outcome.BUG and v.kind is Kind.COMPILE_CRASH
    assert v.stage is Stage.LOWERING
    assert v.crash is not None and v.crash.exc_type.endswith("LoweringException")
    assert v.signature is not None
    assert "buf#" in v.signature.text and "torch/_inductor/lowering.py:fn1" in v.signature.text


def test_a_failure_raised_in_fuels_own_code_is_fuels_error_not_a_bug() -> None:
    runner = str(Path(fuel.__file__).resolve().parent / "execute" / "runner.py")
    error = failure("AttributeError", "'tuple' object has no attribute 'grad'", runner)
    v = verdict_of(torch.ones(2), error)
    assert v.outcome is Outcome.SKIPPED and v.kind is None
    assert "runner.py" in v.fuel_error and "AttributeError" in v.fuel_error
    eager_side = verdict_of(error, torch.ones(2))
    assert eager_side.outcome is Outcome.SKIPPED and eager_side.fuel_error
    # the same error raised in the program or in torch is judged as before
    program = failure("AttributeError", "'tuple' object has no attribute 'grad'", "prog.py")
    assert verdict_of(torch.ones(2), program).outcome is Outcome.BUG


def test_eager_only_error_is_a_lower_bug() -> None:
    v = verdict_of(failure("IndexError", "index 5 is out of bounds"), torch.ones(2))
    assert v.outcome is Outcome.BUG and v.kind is Kind.EAGER_ONLY_ERROR


def test_graph_break_under_fullgraph_is_not_a_bug() -> None:
    error = failure("torch._dynamo.exc.Unsupported", "data-dependent branching", DYNAMO + "x.py")
    v = judge(result(torch.ones(2), error), CompileOptions(fullgraph=True))
    assert v.outcome is Outcome.SKIPPED


def test_compiled_out_of_memory_is_an_oom_bug() -> None:
    error = failure("RuntimeError", "[enforce fail] DefaultCPUAllocator: can't allocate memory")
    assert verdict_of(torch.ones(2), error).kind is Kind.OOM


def dead(status: ExitStatus, phase: Phase, sig: int | None = None) -> RunResult:
    eager = outcome(Phase.EAGER, torch.ones(1))
    done = (eager,) if phase is Phase.COMPILED else ()
    return RunResult(status, done, died_in=phase, signal=sig)


def test_segfault_while_compiling_is_a_crash_signal_bug() -> None:
    v = judge(dead(ExitStatus.CRASHED, Phase.COMPILED, signal.SIGSEGV), OPTIONS)
    assert v.outcome is Outcome.BUG and v.kind is Kind.CRASH_SIGNAL
    assert "SIGSEGV" in v.detail


def test_eager_hang_is_invalid_and_compile_hang_a_bug() -> None:
    assert judge(dead(ExitStatus.TIMEOUT, Phase.EAGER), OPTIONS).outcome is Outcome.INVALID
    hang = judge(dead(ExitStatus.TIMEOUT, Phase.COMPILED), OPTIONS)
    assert hang.outcome is Outcome.BUG and hang.kind is Kind.TIMEOUT


def test_sandbox_violation_rejects() -> None:
    raw = RunResult(ExitStatus.COMPLETED, sandbox_violations=("sandbox refused open /etc/x",))
    assert judge(raw, OPTIONS).outcome is Outcome.REJECTED


def test_verdict_round_trips_through_json() -> None:
    ref = torch.linspace(-3, 3, 10, dtype=torch.float64)
    compiled = ref.float().clone()
    compiled[2] = 9
    v = verdict_of(ref.float(), compiled, ref, ref.float())
    assert serial.loads(Verdict, serial.dumps(v)) == v


def test_eager_out_of_memory_where_compiled_fits_is_not_a_bug() -> None:
    error = failure("RuntimeError", "DefaultCPUAllocator: can't allocate memory")
    v = verdict_of(error, torch.ones(2))
    assert v.outcome is Outcome.SKIPPED and v.kind is Kind.OOM


def test_eager_only_validity_check() -> None:
    options = CompileOptions(eager_only=True)
    assert judge(result(torch.ones(2), None), options).outcome is Outcome.PASS
    error = failure("RuntimeError", "bad shapes")
    assert judge(result(error, None), options).outcome is Outcome.INVALID


def test_unsigned_wraparound_is_defined_so_mismatches_count() -> None:
    eager = torch.tensor([255, 1], dtype=torch.uint8)
    compiled = torch.tensor([254, 1], dtype=torch.uint8)
    v = verdict_of(eager, compiled, eager.clone(), eager.clone())
    assert v.outcome is Outcome.BUG


def test_empty_inside_torch_kernels_does_not_excuse_a_mismatch() -> None:
    probe = Probe(aten_ops=("aten.empty.memory_format", "aten.mul.Tensor"))
    v = verdict_of(torch.zeros(3), torch.ones(3), torch.zeros(3).double(), probe=probe)
    assert v.outcome is Outcome.BUG


def test_dynamic_mark_the_program_itself_specialises_is_invalid() -> None:
    error = failure("torch.fx.experimental.symbolic_shapes.ConstraintViolationError", "L['x'] size")
    assert verdict_of(torch.ones(2), error).outcome is Outcome.INVALID


def test_value_mismatch_without_float64_reference_is_not_reported() -> None:
    v = verdict_of(torch.zeros(3), torch.ones(3))
    assert v.outcome is Outcome.SKIPPED and "float64" in v.detail
