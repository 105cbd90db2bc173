"""Adapters: every planned step gives the slot's shape and dtype, without undefined
behaviour, and guards in source do what ``fuel.catalog.domains`` does."""

from __future__ import annotations

import random
from itertools import product
from typing import Any

import pytest
import torch

from fuel.catalog import domains
from fuel.catalog.spec import DTYPES, FLOAT_DTYPES
from fuel.generate import adapters
from fuel.generate.fake import Workbench
from fuel.generate.recipe import Step

SHAPES = [(), (1,), (5,), (0,), (2, 3), (3, 2), (1, 3), (4, 1, 2), (0, 5), (6, 6)]


def evaluate(steps: tuple[Step, ...], value: torch.Tensor) -> Any:
    bench = Workbench(0)
    bench.env["v"] = value
    lines, expr = adapters.render("v", steps, "t")
    assert bench.run_real([*lines, f"out = {expr}"]), (steps, lines, expr)
    return bench.env["out"]


@pytest.mark.parametrize(("source", "target"), list(product(SHAPES, SHAPES)))
def test_every_shape_option_reaches_the_target(
    source: tuple[int, ...], target: tuple[int, ...]
) -> None:
    value = torch.arange(float(max(1, torch.Size(source).numel()))).reshape(-1)
    value = value[: torch.Size(source).numel()].reshape(source)
    for steps in adapters.shape_options(source, target, writable=False):
        assert tuple(evaluate(steps, value).shape) == target
    for steps in adapters.shape_options(source, target, writable=True):
        assert all(s.kind != "expand" for s in steps)


def special_values(dtype: str) -> torch.Tensor:
    wide = torch.tensor(
        [
            float("nan"),
            float("inf"),
            -float("inf"),
            -3e38,
            -70000.0,
            -1.5,
            -0.0,
            0.0,
            2.5,
            300.0,
            70000.0,
            3e38,
        ]
    )
    if dtype in FLOAT_DTYPES:
        return wide.to(getattr(torch, dtype))
    if dtype == "bool":
        return torch.tensor([True, False])
    info = torch.iinfo(getattr(torch, dtype))
    return torch.tensor([info.min, -1, 0, 1, info.max], dtype=torch.int64).to(getattr(torch, dtype))


@pytest.mark.parametrize(("source", "target"), list(product(DTYPES, DTYPES)))
def test_casts_never_leave_the_target_range(source: str, target: str) -> None:
    steps = adapters.plan_dtype(source, target)
    out = evaluate(steps, special_values(source))
    assert str(out.dtype) == f"torch.{target}"
    if source in FLOAT_DTYPES and target not in FLOAT_DTYPES and target != "bool":
        assert any(s.kind == "guard" for s in steps)  # finite and in range before the cast


@pytest.mark.parametrize(("name", "dtype"), list(product(sorted(domains.GUARDS), DTYPES)))
def test_guard_source_matches_the_guard_function(name: str, dtype: str) -> None:
    value = special_values(dtype)
    steps = adapters.plan_guards((name,), dtype, tuple(value.shape))
    expected = domains.GUARDS[name](value.clone())
    got = evaluate(steps, value.clone())
    assert got.dtype == expected.dtype
    assert torch.equal(got.nan_to_num(), expected.nan_to_num())
    assert torch.equal(got.isnan(), expected.isnan()) if got.is_floating_point() else True


def test_plan_shape_is_deterministic_per_seed() -> None:
    plans = [adapters.plan_shape((4, 6), (3, 2), False, random.Random(5)) for _ in range(3)]
    assert plans[0] == plans[1] == plans[2]
    assert adapters.plan_shape((0,), (2,), False, random.Random(0)) is None


def test_casts_to_floats_follow_the_anchor_buffers() -> None:
    (step,) = adapters.plan_dtype("int32", "bfloat16")
    assert adapters.render_step(step, "x") == "x.to(self.dtype_bfloat16.dtype)"
    assert adapters.render_step(Step("to", ("int8",)), "x") == "x.to(torch.int8)"
