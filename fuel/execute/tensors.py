"""Tensor handling inside a worker: exact clones, contiguous copies, float64 casts, tiny
perturbations.

Every run of a test gets its own copies of the inputs, cloned with their exact layout
(strides, storage offset, Dynamo's dynamic-dim marks) so that in-place operators
cannot leak from one run into the next and a transposed input stays transposed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.utils import _pytree as pytree

from fuel.execute.records import RunOutcome

DYNAMO_MARKS = (
    "_dynamo_dynamic_indices",
    "_dynamo_weak_dynamic_indices",
    "_dynamo_static_indices",
    "_dynamo_unbacked_indices",
)


def clone_tensor(t: torch.Tensor) -> torch.Tensor:
    """A copy with the same sizes, strides, storage offset and storage extent."""
    if t.layout is not torch.strided or t.is_quantized or t.is_nested:
        copy = t.detach().clone()
    else:
        copy = torch.empty(0, dtype=t.dtype, device=t.device)
        copy.set_(t.untyped_storage().clone(), t.storage_offset(), t.size(), t.stride())
    return _carry_marks(t, copy)


def _carry_marks(t: torch.Tensor, copy: torch.Tensor) -> torch.Tensor:
    """``copy`` with ``t``'s requires_grad flag and Dynamo's dynamic-dim marks."""
    if t.requires_grad and (copy.is_floating_point() or copy.is_complex()):
        copy.requires_grad_(True)
    for mark in DYNAMO_MARKS:
        if hasattr(t, mark):
            setattr(copy, mark, set(getattr(t, mark)))
    return copy


def is_plain(t: torch.Tensor) -> bool:
    """Contiguous from the start of its storage: no layout a kernel could misread."""
    return t.layout is not torch.strided or bool(t.is_contiguous() and t.storage_offset() == 0)


def contiguous_copy(t: torch.Tensor) -> torch.Tensor:
    """A copy in fresh contiguous storage at offset 0 (marks kept, as ``clone_tensor``)."""
    if is_plain(t):
        return clone_tensor(t)
    return _carry_marks(t, t.detach().clone(memory_format=torch.contiguous_format))


def clone_value(value: Any) -> Any:
    """Clone every tensor in a (possibly nested) value; leave the rest as is."""
    return pytree.tree_map(lambda v: clone_tensor(v) if isinstance(v, torch.Tensor) else v, value)


def widen(t: torch.Tensor) -> torch.Tensor:
    """The float64 (or complex128) version of a floating tensor; others unchanged."""
    if t.is_complex():
        return t.detach().to(torch.complex128)
    if t.is_floating_point():
        return t.detach().to(torch.float64)
    return clone_tensor(t)


def widen_value(value: Any) -> Any:
    return pytree.tree_map(lambda v: widen(v) if isinstance(v, torch.Tensor) else v, value)


@contextmanager
def float64_default() -> Iterator[None]:
    """Floats the program makes from integers (``int_tensor * 0.5``, ``torch.sigmoid`` of
    an integer tensor, ``torch.ones(3)``) take the default dtype: in the float64
    reference they must be float64 too, or the reference repeats eager's float32
    kernels there and any ulp compiled differs by reads as an error."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def relative_epsilon(dtype: torch.dtype) -> float:
    return 2.0 * torch.finfo(dtype).eps


def perturb(t: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Scale each element of a floating tensor by 1 ± a couple of ulps, in its layout."""
    if not t.is_floating_point() or t.numel() == 0:
        return clone_tensor(t)
    noise = torch.rand(t.shape, generator=generator, dtype=torch.float64) * 2 - 1
    scaled = t.detach().double() * (1 + noise * relative_epsilon(t.dtype))
    nudged = clone_tensor(t)  # the same layout, so that only the values move
    try:
        with torch.no_grad():
            nudged.copy_(scaled)
    except RuntimeError:  # elements sharing memory (an expanded input): a plain tensor
        return scaled.to(t.dtype)
    return nudged


def perturb_value(value: Any, generator: torch.Generator) -> Any:
    return pytree.tree_map(
        lambda v: perturb(v, generator) if isinstance(v, torch.Tensor) else v, value
    )


def plain_leaf(leaf: Any) -> Any:
    """A leaf as it travels to the judge: detached CPU tensors, plain numbers, text."""
    if isinstance(leaf, torch.Tensor):
        detached = leaf.detach()
        if detached.is_sparse:
            detached = detached.to_dense()
        if detached.is_quantized:
            detached = detached.dequantize()
        return detached.cpu().clone()
    if leaf is None or isinstance(leaf, (bool, int, float, complex, str)):
        return leaf
    return repr(leaf)


def flatten_output(output: Any) -> tuple[tuple[Any, ...], str]:
    leaves, spec = pytree.tree_flatten(output)
    return tuple(plain_leaf(leaf) for leaf in leaves), str(spec)


@functools.cache
def reads_as_float64(dtype: torch.dtype) -> bool:
    """Can this dtype's elements be read as numbers (not: packed float4, bits types)?"""
    try:
        torch.zeros(1, dtype=dtype).to(torch.float64)
    except (RuntimeError, TypeError, NotImplementedError):
        return False
    return True


def raw_bytes(t: torch.Tensor) -> torch.Tensor:
    """The bytes of a tensor's elements, in order, as a flat uint8 tensor."""
    flat = t.detach().contiguous().reshape(-1)
    return flat.view(torch.uint8) if flat.numel() else torch.zeros(0, dtype=torch.uint8)


def tensors_identical(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Equality of every element that counts NaN in the same place as equal; for every
    dtype (float8 and complex32 have no ``torch.equal``: they are read as float64)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.is_complex():
        return tensors_identical(torch.view_as_real(a), torch.view_as_real(b))
    if not reads_as_float64(a.dtype):
        return bool(torch.equal(raw_bytes(a), raw_bytes(b)))
    if a.is_floating_point():
        wide_a, wide_b = a.to(torch.float64), b.to(torch.float64)
        nan_a, nan_b = torch.isnan(wide_a), torch.isnan(wide_b)
        return bool(torch.equal(nan_a, nan_b) and torch.equal(wide_a[~nan_a], wide_b[~nan_b]))
    return bool(torch.equal(a, b))


def leaves_identical(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if len(a) != len(b):
        return False
    return all(leaf_identical(x, y) for x, y in zip(a, b, strict=False))


def leaf_identical(x: Any, y: Any) -> bool:
    if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor):
        return tensors_identical(x, y)
    if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
        return False
    both_nan = isinstance(x, float) and isinstance(y, float) and x != x and y != y
    return both_nan or bool(x == y)


def outcomes_identical(a: RunOutcome, b: RunOutcome) -> bool:
    """Same structure and bitwise-identical outputs, state after the run and gradients."""
    if a.structure != b.structure:
        return False
    groups = (
        (a.outputs, b.outputs),
        (tuple(i.value for i in a.state), tuple(i.value for i in b.state)),
        (tuple(i.value for i in a.grads), tuple(i.value for i in b.grads)),
    )
    return all(leaves_identical(x, y) for x, y in groups)
