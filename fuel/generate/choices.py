"""The synthesizer's weighted choices, in one place so their bias is easy to read.

Recent CPU-compiler bugs cluster in integer and low-precision dtypes, type promotion,
rounding-mode arithmetic and values near overflow, so those are drawn more often than
a uniform choice would; the rest of the catalog still gets a uniform share, because
breadth is what finds the bugs nobody thought to weight for.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from fuel.catalog.spec import CallKind, OpSpec, Template
from fuel.generate.profiles import layouts_for, profiles_for

DTYPE_WEIGHTS = {
    "float32": 1.5,
    "float16": 2.0,
    "bfloat16": 2.0,
    "float64": 0.7,
    "int8": 1.5,
    "uint8": 1.5,
    "int16": 1.5,
    "int32": 1.5,
    "int64": 1.5,
    "bool": 1.0,
}
THEME_CHANCE = 0.6  # a program often sticks to one dtype: fewer casts, longer fusions
THEME_STICK = 0.7
FLOW_STICK = 0.5
PROFILE_WEIGHTS = {
    "normal": 3.0,
    "small_int": 1.2,
    "near_limit": 1.2,
    "tiny": 0.8,
    "neg_zero": 0.8,
    "multiples": 1.2,
    "ties": 0.8,
    "special": 1.0,
    "positive": 0.6,
    "negative": 0.6,
}
LAYOUT_WEIGHTS = {
    "contiguous": 5.0,
    "transposed": 1.5,
    "strided": 1.0,
    "channels_last": 1.0,
    "offset": 0.7,
    "expanded": 0.7,
}
FORM_WEIGHTS = {"function": 4.0, "method": 3.0, "inplace": 2.0, "module": 1.0}
HOT_FAMILIES = ("binary", "unary", "reduction", "conversion", "indexing")
HOT_SHARE = 0.4  # operators drawn from the bug-prone families instead of uniformly
LIFT_SCALAR = 0.15  # a float argument becomes a Python-scalar input of forward
MAX_NODES = 20
# Compile time grows with program size (one C++ build per graph, graphs break more
# often in long programs): on a 2-core machine, 1-4 calls compile in a median 1.7 s,
# 5-8 in 3.9 s, 13-16 in 4.8 s. Most programs stay small; a tail keeps long chains.
SMALL_SHARE = 0.75
SMALL_NODES = (1, 6)
# Inductor's CPU kernels vectorise the innermost loop in lanes of 32 (AVX2) or 64
# (AVX-512) bytes and run a scalar tail after the last full vector. Template shapes
# are small (1-10 elements per dimension), so most programs only reach the scalar
# code: a share of programs is "vector", their calls' innermost dimension sized just
# below, at and above one and two vector widths of the dtype (tails included).
VECTOR_SHARE = 0.25
VECTOR_BYTES = (32, 64)
ITEM_BYTES = {"float64": 8, "int64": 8, "float32": 4, "int32": 4, "float16": 2,
              "bfloat16": 2, "int16": 2, "int8": 1, "uint8": 1, "bool": 1}  # fmt: skip


def shape_class(seed: int) -> str:
    """small or vector: drawn apart from the program's other choices, so that small
    programs are what they were before vector shapes existed."""
    return "vector" if random.Random(f"shapes:{seed}").random() < VECTOR_SHARE else "small"


def vector_size(rng: random.Random, dtype: str) -> int:
    """An innermost size around one or two vector widths of ``dtype``."""
    lanes = rng.choice(VECTOR_BYTES) // ITEM_BYTES.get(dtype, 4)
    return rng.choice((lanes - 1, lanes, lanes + 1, 2 * lanes, 2 * lanes + 3))


def weighted(rng: random.Random, options: Sequence[str], weights: dict[str, float]) -> str:
    return rng.choices(list(options), [weights.get(o, 1.0) for o in options])[0]


def theme(rng: random.Random) -> str | None:
    if rng.random() < THEME_CHANCE:
        return weighted(rng, tuple(DTYPE_WEIGHTS), DTYPE_WEIGHTS)
    return None


def dtype(
    rng: random.Random, options: Sequence[str], theme: str | None, flowing: Sequence[str] = ()
) -> str:
    """An op dtype: the program's theme, or one its latest values already have (no cast
    needed: longer fusions), or a weighted draw."""
    if theme is not None and theme in options and rng.random() < THEME_STICK:
        return theme
    near = [d for d in flowing if d in options]
    if near and rng.random() < FLOW_STICK:
        return rng.choice(near)
    return weighted(rng, options, DTYPE_WEIGHTS)


def profile(rng: random.Random, dtype: str) -> str:
    return weighted(rng, profiles_for(dtype), PROFILE_WEIGHTS)


def layout(rng: random.Random, shape: tuple[int, ...], writable: bool = False) -> str:
    return weighted(rng, layouts_for(shape, writable), LAYOUT_WEIGHTS)


def forms(spec: OpSpec, template: Template) -> list[str]:
    """The ways this call can be written."""
    if spec.call.kind is CallKind.MODULE:
        return ["module"]
    found = ["function"] if spec.call.kind is CallKind.FUNCTION else []
    receiver = isinstance(template.input, dict) and "tensor" in template.input
    if receiver and spec.call.method:
        found.append("method")
    if receiver and spec.call.inplace:
        found.append("inplace")
    return found


def form(rng: random.Random, spec: OpSpec, template: Template, plain: bool) -> str:
    found = forms(spec, template)
    if plain:
        return found[0]
    return weighted(rng, found, FORM_WEIGHTS)


def node_count(rng: random.Random) -> int:
    """1 to 20 calls: three programs in four have at most 6, the rest up to 20."""
    if rng.random() < SMALL_SHARE:
        return rng.randint(*SMALL_NODES)
    return max(1, min(MAX_NODES, round(rng.triangular(SMALL_NODES[1], MAX_NODES, 8))))


def operator(rng: random.Random, usable: Sequence[OpSpec], hot: Sequence[OpSpec]) -> OpSpec:
    if hot and rng.random() < HOT_SHARE:
        return rng.choice(hot)
    return rng.choice(usable)
