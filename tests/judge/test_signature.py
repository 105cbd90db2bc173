"""Signatures: equal for the same bug seen through different names, shapes and paths."""

from __future__ import annotations

from fuel.judge.signature import crash_signature, normalise_message, operator_names
from fuel.judge.verdict import Kind
from tests.judge.crafted import failure


def test_numbers_shapes_addresses_and_generated_names_are_normalised() -> None:
    a = normalise_message("buf12 has size [4, 8] but expected 3 at 0x7f00aa (tmp4)")
    b = normalise_message("buf3 has size [2, 2] but expected 17 at 0x55aa01 (tmp0)")
    assert a == b
    assert "#" in a and "<shape>" in a and "<addr>" in a


def test_dtypes_and_operator_names_survive_normalisation() -> None:
    text = normalise_message("aten.floor_divide not supported for float16 and int8")
    assert "float16" in text and "int8" in text and "aten.floor_divide" in text


def test_paths_are_normalised_and_only_the_first_line_counts() -> None:
    a = normalise_message("cannot open /tmp/abc/x.cpp\nlong compiler log 1")
    b = normalise_message("cannot open /home/u/y/z.cpp\nother log")
    assert a == b


def test_crash_signature_uses_innermost_exception_and_top_torch_frame() -> None:
    inner = failure(
        "torch._inductor.exc.LoweringException", "bad size 4", "/x/torch/_inductor/lowering.py"
    )
    outer = failure("torch._dynamo.exc.BackendCompilerFailed", "wrapper", cause=inner)
    other_inner = failure(
        "torch._inductor.exc.LoweringException", "bad size 9", "/y/torch/_inductor/lowering.py"
    )
    first = crash_signature(Kind.COMPILE_CRASH, outer)
    assert first == crash_signature(Kind.COMPILE_CRASH, other_inner)
    expected = "compile_crash|LoweringException|bad size #|torch/_inductor/lowering"
    assert first.text.startswith(expected)


def test_operator_names_drop_overloads_and_duplicates() -> None:
    ops = ("aten.add.Tensor", "aten.mul.Scalar", "aten.add.Scalar")
    assert operator_names(ops) == ("aten.add", "aten.mul")
