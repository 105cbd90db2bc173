"""From a bisection record to the function in the installed torch: each rule of the
pointer on torch's own tables and sources (no compile: the records are given)."""

from __future__ import annotations

from fuel.store.bugdir import AloneCheck, BisectorAnswer, CompilerBisection, Trial
from fuel.triage.pointer import from_subsystem, locate

ALONE_ALL = AloneCheck("decomposition", "aten.all.dims", "output 0 at [0]: ...")


def bisection(backend: str, *alone: AloneCheck) -> CompilerBisection:
    return CompilerBisection("backend_only", BisectorAnswer(backend), alone=alone)


def test_a_pass_the_bisector_names_is_found_by_its_function_or_where_it_is_applied() -> None:
    defined = from_subsystem("post_grad_passes", "remove_noop_ops", "")
    assert defined is not None and defined.kind == "pass"
    assert defined.function == "remove_noop_ops" and "def remove_noop_ops(" in defined.snippet
    numbered = from_subsystem("post_grad_passes", "pass_pattern_1", "")
    assert numbered is not None and numbered.file == "torch/_inductor/fx_passes/post_grad.py"
    assert 'f"pass_pattern_{i}"' in numbered.snippet.splitlines()[0]


def test_a_config_change_points_at_the_config() -> None:
    emulate = from_subsystem("inductor_emulate_precision_casts", "", "")
    assert emulate is not None and emulate.file == "torch/_inductor/config.py"
    assert emulate.snippet.split()[1].startswith("emulate_precision_casts")
    assert "setting inductor.emulate_precision_casts = True hides the bug" in emulate.evidence
    cse = from_subsystem("aot_eager_decomp_partition_cse", "", "")
    assert cse is not None and cse.function == "aot_eager_decomp_partition(cse=False)"


def test_a_decomposition_run_alone_counts_only_where_that_backend_applies_it() -> None:
    # aten.all.dims is decomposed by Inductor's table, not for the autograd keys.
    assert locate(bisection("aot_eager", ALONE_ALL)) is None
    found = locate(bisection("aot_eager_decomp_partition", ALONE_ALL))
    assert found is not None and found.kind == "decomposition"
    assert found.operator == "aten.all.dims" and "run alone in eager" in found.evidence


def test_c_plus_plus_code_generation_only_when_vectorisation_off_hides_the_bug() -> None:
    inductor = bisection("inductor")
    hidden = Trial("inductor.cpp.simdlen=1", False, "pass")
    found = locate(inductor, hidden)
    assert found is not None and found.component == (
        "cpp_codegen:torch/_inductor/codegen/cpp.py:CppVecKernel"
    )
    assert locate(inductor, Trial("inductor.cpp.simdlen=1", True, "bug")) is None
    assert locate(inductor) is None  # not run: undecided


def test_no_answer_or_dynamo_points_nowhere() -> None:
    assert locate(None) is None
    assert locate(CompilerBisection("timed_out", detail="cut after 240 s")) is None
    assert locate(bisection("eager", ALONE_ALL)) is None  # Dynamo decomposes nothing
    functionalized = AloneCheck("functionalization", "", "eager raises, it returns")
    found = locate(bisection("aot_eager", functionalized))
    assert found is not None and found.file == "torch/_subclasses/functional_tensor.py"


def test_a_lowering_whose_bug_vectorisation_off_hides_points_at_its_vectorised_cpp() -> None:
    hidden = Trial("inductor.cpp.simdlen=1", False, "pass")

    def lowered(operator: str, node: str) -> CompilerBisection:
        return CompilerBisection("found", BisectorAnswer("inductor", "lowerings", 1, node),
                                 operator=operator)  # fmt: skip

    pointwise = locate(lowered("aten.remainder.Tensor", "remainder"), hidden)
    assert pointwise is not None
    assert pointwise.component == (
        "cpp_codegen:torch/_inductor/codegen/cpp.py:CppVecOverrides.remainder"
    )
    reduction = locate(lowered("aten.min.default", "min_1"), hidden)  # torch tags it reduction
    assert reduction is not None and reduction.function == "CppVecKernel.reduction"
    still = locate(lowered("aten.remainder.Tensor", "remainder"), Trial("x", True, "bug"))
    # 2.15 registers a function named remainder; 2.13 a generic pointwise closure
    assert still is not None and (still.kind, still.file) == (
        "lowering",
        "torch/_inductor/lowering.py",
    )
    assert still.operator == "aten.remainder.Tensor"
