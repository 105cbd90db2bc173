"""Clones keep layout exactly; identity is bitwise with NaN-equal."""

from __future__ import annotations

import pytest
import torch

from fuel.execute.tensors import clone_tensor, float64_default, leaves_identical, perturb, widen


def test_clone_keeps_strides_offset_and_is_independent() -> None:
    base = torch.arange(24.0).reshape(4, 6)
    view = base.t()[1:, ::2]
    copy = clone_tensor(view)
    assert copy.stride() == view.stride()
    assert copy.storage_offset() == view.storage_offset()
    assert torch.equal(copy, view)
    copy.add_(1)
    assert not torch.equal(copy, view)


def test_clone_keeps_dynamo_dynamic_marks() -> None:
    x = torch.randn(3, 4)
    torch._dynamo.mark_dynamic(x, 0)
    assert clone_tensor(x)._dynamo_dynamic_indices == {0}  # type: ignore[attr-defined]


def test_widen_only_touches_floating_tensors() -> None:
    assert widen(torch.ones(2, dtype=torch.float16)).dtype is torch.float64
    assert widen(torch.ones(2, dtype=torch.int8)).dtype is torch.int8


def test_float64_default_widens_floats_made_from_integers_and_restores_the_default() -> None:
    integers = torch.arange(5)
    with float64_default():
        assert torch.sigmoid(integers).dtype == torch.float64
        assert (integers * 0.5).dtype == torch.float64
    assert torch.sigmoid(integers).dtype == torch.float32
    with pytest.raises(ValueError), float64_default():
        raise ValueError("the program raised")
    assert torch.get_default_dtype() == torch.float32


def test_perturb_moves_floats_by_a_few_ulps_only() -> None:
    x = torch.randn(1000)
    moved = perturb(x, torch.Generator().manual_seed(0))
    relative = ((moved - x).abs() / x.abs()).max().item()
    assert 0 < relative < 1e-6


def test_identity_treats_nan_in_same_place_as_equal() -> None:
    a = (torch.tensor([1.0, float("nan")]), 3, float("nan"))
    b = (torch.tensor([1.0, float("nan")]), 3, float("nan"))
    assert leaves_identical(a, b)
    assert not leaves_identical(a, (torch.tensor([1.0, 2.0]), 3, float("nan")))


def test_every_dtype_crosses_the_pipe() -> None:
    import pickle

    from fuel.execute.protocol import dumps

    dtypes = [
        torch.uint16,
        torch.uint32,
        torch.uint64,
        torch.float8_e4m3fn,
        torch.bfloat16,
        torch.bool,
        torch.complex64,
        torch.int8,
    ]
    for dtype in dtypes:
        original = torch.arange(6).reshape(2, 3).to(dtype).t()
        copy = pickle.loads(dumps((original, torch.empty(0, 2, dtype=dtype))))
        assert copy[0].dtype == dtype and copy[0].shape == original.shape
        assert torch.equal(copy[0].view(torch.uint8), original.contiguous().view(torch.uint8))
        assert copy[1].shape == (0, 2)


def test_compiler_settings_apply_to_one_run_only() -> None:
    import torch._dynamo.config as dynamo_config
    import torch._inductor.config as inductor_config

    from fuel.execute.compiler_settings import options_applied
    from fuel.execute.records import CompileOptions

    options = (
        CompileOptions()
        .with_config("inductor.emulate_precision_casts", True)
        .with_config("dynamo.capture_scalar_outputs", True)
    )
    assert options.with_config("inductor.emulate_precision_casts", False).config[-1] == (
        "inductor.emulate_precision_casts", False)  # fmt: skip
    before = (inductor_config.emulate_precision_casts, dynamo_config.capture_scalar_outputs)
    with options_applied(options):
        assert inductor_config.emulate_precision_casts is True
        assert dynamo_config.capture_scalar_outputs is True
    after = (inductor_config.emulate_precision_casts, dynamo_config.capture_scalar_outputs)
    assert after == before


def test_tensors_with_odd_strides_or_view_bits_cross_the_pipe() -> None:
    import pickle

    import torch

    from fuel.execute.protocol import dumps

    odd = (torch.arange(4, dtype=torch.float64) * 3.0)[..., ::2][:1]  # shape (1,), stride (2,)
    assert odd.stride() == (2,)
    negated = torch.arange(3.0)._neg_view()
    complex_conj = torch.tensor([1 + 2j, 3 - 1j]).conj()
    for tensor in (odd, negated, complex_conj, torch.zeros(0, 3)):
        back = pickle.loads(dumps(tensor))
        assert back.dtype == tensor.dtype and torch.equal(back, tensor.resolve_conj().resolve_neg())
