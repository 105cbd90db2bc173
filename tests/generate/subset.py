"""A small catalog for tests: a few operators of every family, built in seconds.

The full catalog takes about a minute to build on first use; tests build this subset
once per session instead (cached in memory), so they stay fast on a fresh machine.
"""

from __future__ import annotations

from functools import cache

from fuel.catalog import Catalog
from fuel.catalog.build import build

SUBSET = (
    # binary: promotion, rounding modes, guarded divisors, shifts and powers
    "add",
    "mul",
    "sub",
    "div.floor_rounding",
    "div.trunc_rounding",
    "remainder",
    "fmod",
    "floor_divide",
    "bitwise_left_shift",
    "pow",
    "maximum",
    "eq",
    # unary
    "sin",
    "exp",
    "abs",
    "neg",
    "sigmoid",
    "sqrt",
    "round",
    "frexp",
    # reduction
    "sum",
    "amax",
    "cumsum",
    "argmax",
    "var_mean",
    "max.reduction_with_dim",
    "argmin",
    "min.reduction_no_dim",
    # shape
    "reshape",
    "transpose",
    "cat",
    "split",
    "flip",
    "unsqueeze",
    "as_strided",
    # indexing: literal index slots, sorted boundaries
    "gather",
    "scatter_add",
    "index_select",
    "where",
    "searchsorted",
    "masked_fill",
    # data-dependent output shapes (the motif of that name)
    "nonzero",
    "masked_select",
    "unique",
    # conversion: guarded float -> int casts
    "int",
    "byte",
    "to",
    # linalg: fresh slots (singular input), finite-only templates
    "linalg.inv",
    "matmul",
    "linalg.cholesky",
    "addmm",
    # spectral, masked, nn.functional, misc
    "fft.irfft",
    "masked.sum",
    "nn.functional.relu",
    "nn.functional.conv2d",
    "softmax",
    "clamp",
    "full",
    "arange",
    "zeros_like",
    # layers
    "nn.Linear",
    "nn.Conv2d",
    "nn.LSTM",
    "nn.ReLU",
    "nn.Embedding",
    "nn.LayerNorm",
)


@cache
def subset_catalog() -> Catalog:
    return Catalog(build(only=set(SUBSET)))
