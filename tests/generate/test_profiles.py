"""Input profiles render to the values they promise, in every dtype and layout."""

from __future__ import annotations

import pytest
import torch

from fuel.catalog.spec import DTYPES
from fuel.generate.fake import Workbench
from fuel.generate.profiles import FLOAT_LIMIT, PROFILES, layouts_for, profiles_for
from fuel.generate.recipe import Input
from fuel.generate.render import input_lines


def made(
    profile: str, dtype: str, shape: tuple[int, ...] = (8, 16), layout: str = "contiguous"
) -> torch.Tensor:
    bench = Workbench(3)
    assert bench.add_input(Input("x", shape, dtype, profile, layout))
    value = bench.env["x"]
    assert isinstance(value, torch.Tensor)
    return value


@pytest.mark.parametrize(("profile", "dtype"), [(p, d) for d in DTYPES for p in profiles_for(d)])
def test_every_profile_renders_in_its_dtypes(profile: str, dtype: str) -> None:
    value = made(profile, dtype)
    assert tuple(value.shape) == (8, 16) and str(value.dtype) == f"torch.{dtype}"


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_float_profiles_keep_their_promises(dtype: str) -> None:
    near = made("near_limit", dtype).double().abs()
    assert float(near.min()) >= 0.85 * FLOAT_LIMIT[dtype]
    tiny = made("tiny", dtype)
    assert float(tiny.abs().max()) < torch.finfo(tiny.dtype).tiny  # subnormal (or zero)
    zeros = made("neg_zero", dtype)
    assert bool((torch.signbit(zeros) & (zeros == 0)).any())
    special = made("special", dtype)
    assert bool(special.isnan().any()) and bool(special.isinf().any())
    assert bool((made("multiples", dtype) % 3 == 0).all())
    assert made("ties", dtype).unique().numel() <= 2


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64"])
def test_integers_near_their_limits(dtype: str) -> None:
    info = torch.iinfo(getattr(torch, dtype))
    value = made("near_limit", dtype).to(torch.float64)
    assert bool(((value >= info.max - 16) | (value <= info.min + 16)).all())


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4, 5), (5,), ()])
def test_layouts_give_the_shape_with_other_strides(shape: tuple[int, ...]) -> None:
    for layout in layouts_for(shape):
        value = made("normal", "float32", shape, layout)
        assert tuple(value.shape) == shape
        if layout in ("transposed", "strided") and value.numel() > 1:
            assert not value.is_contiguous()
        if layout == "offset":
            assert value.storage_offset() == 1


def test_profiles_are_all_reachable_somewhere() -> None:
    assert set().union(*(profiles_for(d) for d in DTYPES)) == set(PROFILES)
    assert all(p in profiles_for("float16") for p in PROFILES)


def test_literal_and_scalar_inputs() -> None:
    literal = Input("i", (2, 2), "int64", "literal", values=(3, 1, 0, 2))
    assert input_lines(literal) == [
        "i = torch.tensor([3, 1, 0, 2], dtype=torch.int64).reshape(2, 2)"
    ]
    scalar = Input("s0", (), "float", "scalar", values=(0.25,))
    assert input_lines(scalar) == ["s0 = 0.25"]
    dynamic = Input("x", (4, 5), "float32", "normal", dynamic=(0,))
    assert input_lines(dynamic)[-1] == "torch._dynamo.mark_dynamic(x, 0)"
