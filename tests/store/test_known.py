"""Component rules: an umbrella issue matches every class traced to its code."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fuel.errors import UsageError
from fuel.judge.signature import RootCause
from fuel.judge.verdict import Kind
from fuel.store.known import parse_known_issues, shipped_rules

FUNCTIONALIZATION = ("functionalization:torch/_subclasses/functional_tensor.py:"
                     "FunctionalTensorMode.__torch_dispatch__")  # fmt: skip


def cause(operator: str, kind: Kind = Kind.EAGER_ONLY_ERROR, component: str = "") -> RootCause:
    return RootCause(kind, "aot_eager", (operator,), "RuntimeError", "result type Float can't "
                     "be cast to the desired output type Char", component=component)  # fmt: skip


def test_a_component_rule_matches_every_operator_of_that_code_and_symptom() -> None:
    known = parse_known_issues("component: eager_only_error|functionalization:*\n")
    assert known.match_class(cause("Tensor.logit_", component=FUNCTIONALIZATION))
    assert known.match_class(cause("Tensor.sin_", component=FUNCTIONALIZATION))
    assert known.match_class(cause("Tensor.logit_")) is None  # traced to no code
    other_symptom = cause("Tensor.logit_", Kind.NUMERIC_MISMATCH, FUNCTIONALIZATION)
    assert known.match_class(other_symptom) is None
    lowering = cause("Tensor.all", Kind.SHAPE_MISMATCH,
                     "lowering:torch/_inductor/lowering.py:reduce_any")  # fmt: skip
    assert known.match_class(lowering) is None


def test_the_component_is_carried_but_not_the_class_identity() -> None:
    traced = cause("Tensor.logit_", component=FUNCTIONALIZATION)
    assert traced == cause("Tensor.logit_") and traced.id == cause("Tensor.logit_").id
    assert FUNCTIONALIZATION not in traced.text


def test_shipped_entries_may_name_a_component() -> None:
    data = {"format": 1, "issues": [{"issue": 197554, "affects": ["2.15"],
                                     "component": "eager_only_error|functionalization:*"}]}
    rules = shipped_rules(data, "test.yaml", "2.15.0")
    assert [rule.text for rule in rules] == ["known #197554"]
    assert rules[0].matches_class(cause("Tensor.logit_", component=FUNCTIONALIZATION))
    assert shipped_rules(data, "test.yaml", "2.13.0") == []


def test_a_bad_rule_names_the_component_kind_too() -> None:
    with pytest.raises(UsageError, match="'component: GLOB'"):
        parse_known_issues("componnt: x\n", "rules.txt")


def test_an_aoti_class_of_an_inductor_rule_is_that_known_issue() -> None:
    """torch.any of uint8 under AOTInductor: `fuel check --target aoti --bisect` of
    tests/fixtures/known/any_uint8.py first shows with aoti, after export passed."""
    from fuel.execute.options import CompileSetting
    from fuel.store.known import shipped_known_issues

    cause = RootCause(Kind.DTYPE_MISMATCH, "aoti", ("torch.any",),
                      settings=(CompileSetting.parse("target=aoti"),))  # fmt: skip
    known = shipped_known_issues("2.15.0")
    assert known.match_class(cause) == "known #198081"
    assert known.match_class(replace(cause, layer="export")) is None
