"""Value guards map any tensor into the domain an operator needs."""

from __future__ import annotations

import pytest
import torch

from fuel.catalog import domains

INTS = (torch.int8, torch.uint8, torch.int32, torch.int64)


def spread(dtype: torch.dtype) -> torch.Tensor:
    if dtype.is_floating_point:
        return torch.tensor(
            [float("nan"), float("inf"), -float("inf"), -1e30, -1.0, 0.0, 3.5, 1e30]
        ).to(dtype)
    info = torch.iinfo(dtype)
    return torch.tensor([info.min, -1, 0, 1, 7, 64, info.max], dtype=torch.int64).to(dtype)


@pytest.mark.parametrize("dtype", INTS)
def test_divisors_are_never_zero_or_minus_one(dtype: torch.dtype) -> None:
    out = domains.nonzero(spread(dtype))
    assert out.dtype == dtype and not bool((out == 0).any())
    if dtype != torch.uint8:  # for uint8, -1 compares equal to 255, a fine divisor
        assert not bool((out == -1).any())


@pytest.mark.parametrize("dtype", INTS)
def test_shifts_stay_within_the_bit_width(dtype: torch.dtype) -> None:
    out = domains.shift(spread(dtype))
    assert int(out.min()) >= 0 and int(out.max()) < 8 * out.element_size()


@pytest.mark.parametrize("dtype", (torch.float16, torch.bfloat16, torch.float32, torch.float64))
def test_casts_to_integers_are_finite_and_in_range(dtype: torch.dtype) -> None:
    signed = domains.castable(spread(dtype))
    unsigned = domains.castable_unsigned(spread(dtype))
    assert bool(torch.isfinite(signed).all()) and float(signed.abs().max()) <= 100
    assert float(unsigned.min()) >= 0 and float(unsigned.max()) <= 100
    assert bool(torch.isfinite(domains.finite(spread(dtype))).all())


def test_other_guards() -> None:
    assert domains.ascending(torch.tensor([3.0, 1.0, 2.0])).tolist() == [1.0, 2.0, 3.0]
    assert domains.degree(torch.tensor([-5, 3, 10**6])).tolist() == [0, 3, 16]
    assert domains.small_exponent(torch.tensor([-2, 9])).tolist() == [0, 3]
    base = torch.randn(4, 4).t()
    dense = domains.dense(base)
    assert dense.is_contiguous() and dense.untyped_storage().nbytes() == 64
    assert domains.nonzero(torch.tensor([0.0])).tolist() == [0.0]  # floats divide by 0 fine
