"""Every dtype torch has can be judged: equal values pass, a clear difference is a bug
(or, for types torch cannot read as numbers, skipped with the reason); nothing raises."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from fuel.execute.tensors import plain_leaf, tensors_identical
from fuel.judge.judge import judge
from fuel.judge.verdict import Outcome
from tests.judge.crafted import result
from tests.judge.test_judge import OPTIONS

FLOATS = [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.float8_e4m3fn,
          torch.float8_e4m3fnuz, torch.float8_e5m2, torch.float8_e5m2fnuz,
          torch.float8_e8m0fnu]  # fmt: skip
COMPLEX = [torch.complex32, torch.complex64, torch.complex128]
INTEGERS = [torch.bool, torch.uint8, torch.uint16, torch.uint32, torch.uint64, torch.int8,
            torch.int16, torch.int32, torch.int64]  # fmt: skip
OPAQUE = [torch.float4_e2m1fn_x2, torch.bits8, torch.bits16]


def floats(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    eager = torch.tensor([1.0, 2.0, 4.0, 8.0]).to(dtype)
    compiled = torch.tensor([1.0, 2.0, 4.0, 0.5]).to(dtype)
    return eager, compiled


def complexes(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    eager = torch.tensor([1 + 1j, 2 - 1j, 0.5j, 4.0]).to(dtype)
    compiled = torch.tensor([1 + 1j, 2 - 1j, 0.5j, -4.0]).to(dtype)
    return eager, compiled


def integers(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    eager = torch.tensor([1, 0, 1, 1]).to(dtype)
    compiled = torch.tensor([1, 0, 0, 1]).to(dtype)
    return eager, compiled


def opaque(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    size = torch.empty(0, dtype=dtype).element_size()
    eager = torch.arange(4 * size, dtype=torch.uint8).view(dtype)
    compiled = eager.view(torch.uint8).clone()
    compiled[-1] += 1
    return eager, compiled.view(dtype)


def reference_of(eager: torch.Tensor) -> torch.Tensor:
    if eager.is_complex():
        return eager.to(torch.complex128)
    if eager.is_floating_point():
        return eager.to(torch.float64)
    return eager.clone()


CASES = (
    [(d, floats) for d in FLOATS]
    + [(d, complexes) for d in COMPLEX]
    + [(d, integers) for d in INTEGERS]
)


@pytest.mark.parametrize(("dtype", "make"), CASES, ids=[str(d) for d, _ in CASES])
def test_every_numeric_dtype_is_judged(
    dtype: torch.dtype, make: Callable[[torch.dtype], tuple[torch.Tensor, torch.Tensor]]
) -> None:
    eager, compiled = make(dtype)
    same = judge(result(eager, eager.clone(), reference_of(eager), eager.clone()), OPTIONS)
    assert same.outcome is Outcome.PASS
    assert tensors_identical(eager, eager.clone())
    assert not tensors_identical(eager, compiled)
    differs = judge(result(eager, compiled, reference_of(eager), eager.clone()), OPTIONS)
    assert differs.outcome is Outcome.BUG, differs.detail


@pytest.mark.parametrize("dtype", OPAQUE, ids=[str(d) for d in OPAQUE])
def test_types_without_numbers_are_compared_by_their_bytes(dtype: torch.dtype) -> None:
    eager, compiled = opaque(dtype)
    assert judge(result(eager, eager.clone(), eager.clone()), OPTIONS).outcome is Outcome.PASS
    differs = judge(result(eager, compiled, eager.clone()), OPTIONS)
    assert differs.outcome is Outcome.SKIPPED and "cannot be compared as numbers" in differs.detail
    assert not tensors_identical(eager, compiled)


def test_quantized_outputs_are_judged_as_their_dequantized_values() -> None:
    values = torch.tensor([0.5, 1.0, 2.0])
    eager = plain_leaf(torch.quantize_per_tensor(values, 0.1, 0, torch.quint8))
    compiled = plain_leaf(torch.quantize_per_tensor(values * 2, 0.1, 0, torch.quint8))
    assert eager.dtype is torch.float32
    verdict = judge(result(eager, compiled, eager.double()), OPTIONS)
    assert verdict.outcome is Outcome.BUG
