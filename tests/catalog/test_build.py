"""The catalog build on a subset of torch's databases: what each entry becomes."""

from __future__ import annotations

import torch

from fuel.catalog import probe
from fuel.catalog.build import build
from fuel.catalog.spec import DTYPES, Call, CallKind, Role, Slot, Template
from tests.generate.subset import SUBSET, subset_catalog


def test_every_subset_operator_is_usable_with_working_templates() -> None:
    catalog = subset_catalog()
    assert set(catalog.names()) == set(SUBSET)
    for op in catalog.usable():
        assert op.templates and set(op.dtypes) <= set(DTYPES)
        for template in op.templates:
            assert template.dtypes and template.outputs
            assert all(s.numel() <= 4096 for s in template.slots)


def test_what_the_probe_learnt() -> None:
    catalog = subset_catalog()
    add = catalog.get("add")
    assert add is not None and add.call == Call(CallKind.FUNCTION, "torch.add", "add", "add_")
    assert {"int8", "uint8", "bool", "bfloat16"} <= set(add.dtypes)
    gather = catalog.get("gather")
    assert gather is not None
    index_roles = {s.role for t in gather.templates for s in t.slots if s.dtype == "int64"}
    assert index_roles == {Role.LITERAL}
    inverse = catalog.get("linalg.inv")  # a singular (all-zero) matrix raises
    assert inverse is not None and inverse.templates[0].slots[0].role is Role.FRESH
    cholesky = catalog.get("linalg.cholesky")  # random matrices are not positive definite
    assert cholesky is not None and cholesky.templates[0].slots[0].role is Role.LITERAL
    assert any(s.role is Role.DATA for t in inverse.templates for s in t.slots)  # empty ones
    frexp = catalog.get("frexp")
    assert frexp is not None and frexp.templates[0].outputs == ((0,), (1,))
    lstm = catalog.get("nn.LSTM")
    assert lstm is not None and lstm.call.kind is CallKind.MODULE
    assert all(t.ctor is not None for t in lstm.templates)
    assert (1, 0) in lstm.templates[0].outputs  # h_n inside the (h, c) tuple
    reshape = catalog.get("reshape")
    assert reshape is not None and reshape.view
    divide = catalog.get("div.floor_rounding")
    assert divide is not None and [g.name for g in divide.guards] == ["nonzero", "nonzero"]


def one_slot(shape: tuple[int, ...]) -> Template:
    return Template({"tensor": 0}, (), (), (Slot(shape, "float32"),), ("float32",))


def test_random_operators_are_detected() -> None:
    template = one_slot((64,))
    tensors = [torch.full((64,), 0.5)]
    bernoulli = Call(CallKind.FUNCTION, "torch.bernoulli")
    assert probe.randomness(bernoulli, template, tensors, "float32")[:2] == (True, True)
    sine = Call(CallKind.FUNCTION, "torch.sin")
    *found, tags = probe.randomness(sine, template, tensors, "float32")
    assert found == [False, False, False]
    assert {"pointwise", "out"} <= set(tags)  # torch's tags of aten.sin, which has sin.out


def test_operators_whose_results_change_under_a_dispatch_mode_are_excluded() -> None:
    (svdvals,) = build(only={"linalg.svdvals"}).ops
    assert svdvals.traced_differs and not svdvals.random
    assert svdvals.excluded == "results change when run under a dispatch mode"


def test_meta_check_and_output_paths() -> None:
    template = one_slot((3, 4))
    assert probe.meta_runs(Call(CallKind.FUNCTION, "torch.sin"), template, "float32")
    # no meta kernel: it passes on fake tensors, its size an unbacked symbol
    assert probe.meta_runs(Call(CallKind.FUNCTION, "torch.nonzero"), template, "float32")
    assert not probe.meta_runs(Call(CallKind.FUNCTION, "torch.linalg.inv"), template, "float32")
    assert probe.output_paths((torch.ones(1), (torch.ones(1), None))) == ((0,), (1, 0))
    assert probe.output_paths(torch.ones(1, dtype=torch.complex64)) is None
    assert probe.output_paths(3) is None
