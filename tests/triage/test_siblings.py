"""The other operators of a bug's code, and the reduced program rewritten for each."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuel.check import Checker
from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Kind
from fuel.program import Program
from fuel.store.bugdir import CodePointer
from fuel.triage.ablation import sweep
from fuel.triage.siblings import EXTRA, Sibling, candidates, in_place_like, rename_calls, variants

LOGIT = (Path(__file__).parents[2] / "bench" / "bugs" / "logit_int8.py").read_text()
IN_PLACE = CodePointer("functionalization", "torch/_subclasses/functional_tensor.py",
                       "FunctionalTensorMode.__torch_dispatch__", 497, "", "")  # fmt: skip


def test_a_call_is_renamed_and_given_an_extra_argument() -> None:
    source = "y = x.to(torch.int8).logit_()\nz = a.logit_(b)\n"
    assert rename_calls(source, "logit_", "sin_") == (
        "y = x.to(torch.int8).sin_()\nz = a.sin_(b)\n")
    assert rename_calls(source, "logit_", "mul_", "2.5") == (
        "y = x.to(torch.int8).mul_(2.5)\nz = a.mul_(b, 2.5)\n")
    assert rename_calls("y = x.logit_(eps=0.1)\n", "logit_", "mul_", "2.5") is None
    assert rename_calls(source, "exp_", "sin_") is None


def test_in_place_siblings_have_the_same_arity_or_one_argument_more() -> None:
    found = {s.name: s for s in in_place_like("Tensor.logit_")}
    assert found["sin_"] == Sibling("sin_") and found["mul_"] == Sibling("mul_", EXTRA)
    assert "logit_" not in found and "addcmul_" not in found  # itself; two more arguments


def test_only_code_an_operator_of_the_program_reaches_has_siblings() -> None:
    call, siblings = candidates(IN_PLACE, ["Tensor.to", "Tensor.logit_"])
    assert call == "Tensor.logit_" and Sibling("mul_", EXTRA) in siblings
    lowering = CodePointer("lowering", "torch/_inductor/lowering.py", "reduce_any", 8253, "", "",
                           "aten.any.dims")  # fmt: skip
    assert candidates(lowering, ["Tensor.all"]) == ("", ())  # the program calls all, not any
    assert candidates(None, ["Tensor.logit_"]) == ("", ())


@pytest.mark.slow
def test_the_in_place_rewrite_also_loses_the_check_of_other_in_place_ops(
    pool: WorkerPool,
) -> None:
    aot_eager = CompileOptions(backend="aot_eager")  # the first backend that shows it
    checker = Checker(pool, aot_eager)
    verdict = checker.run(Program(LOGIT, "logit_int8")).verdict
    assert verdict.kind is Kind.EAGER_ONLY_ERROR
    call, siblings = candidates(IN_PLACE, ["Tensor.to", "Tensor.logit_"])
    trials = sweep(checker, variants(LOGIT, call, siblings), verdict, aot_eager)
    assert len(trials) == len(siblings)  # all tried within the time limit
    shown = {t.setting for t in trials if t.shows}
    assert {"Tensor.mul_(..., 2.5)", "Tensor.multiply_(..., 2.5)"} <= shown
    assert "Tensor.sin_" not in shown  # compiled refuses int8 sin_ as eager does
    assert all(t.outcome == "bug eager_only_error" for t in trials if t.shows)
