"""Input value profiles and layouts: how ``make_inputs`` builds each tensor.

Compilers rarely go wrong on ``randn``. They go wrong near a dtype's limits (float16
overflow, fp32 ``exp`` overflow at 88.7), on subnormals, on negative zero, on exact
multiples where floor division and remainder round, on ties, on NaN/inf, and on data
of one sign (a minimum of positive values, a maximum of negative ones). Each
profile is a source template for one dtype class; rendering is pure and every tensor
comes from the program's own seeded ``torch.Generator`` named ``g``, so the values
are the same in every run and every process.

Layouts make the same values non-contiguous: transposed, strided (every other
element), channels-last, starting at a storage offset, or expanded (one dimension
broadcast from size 1: stride 0, so the input cannot be written in place).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fuel.catalog.spec import FLOAT_DTYPES, INT_DTYPES

PROFILES = ("normal", "small_int", "near_limit", "tiny", "neg_zero", "multiples", "ties", "special",
            "positive", "negative")  # fmt: skip
LAYOUTS = ("contiguous", "transposed", "strided", "channels_last", "offset", "expanded")

# Where floats stop being ordinary: near the largest finite value for the low-precision
# types (one more multiply overflows), near exp's overflow threshold for the wide ones.
FLOAT_LIMIT = {"float16": 65504.0, "bfloat16": 3.3e38, "float32": 88.7, "float64": 709.7}
TINY = {"float16": 1e-6, "bfloat16": 1e-39, "float32": 1e-40, "float64": 1e-310}
INT_RANGE = {
    "int8": (-128, 127),
    "uint8": (0, 255),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}


def dims(shape: Sequence[int]) -> str:
    """A shape as a Python tuple literal: (), (5,), (2, 3)."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def sizes(shape: Sequence[int]) -> str:
    """A shape as call arguments: ``.reshape(2, 3)``, and ``.reshape(())`` for 0-d."""
    if not shape:
        return "(())"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def storage_shape(shape: tuple[int, ...], layout: str) -> tuple[int, ...]:
    """The shape a layout's tensor is first made in, before the layout view."""
    if layout == "transposed" and len(shape) >= 2:
        return (*shape[:-2], shape[-1], shape[-2])
    if layout == "strided" and shape:
        return (*shape[:-1], shape[-1] * 2)
    if layout == "expanded" and broadcast_dim(shape) >= 0:
        d = broadcast_dim(shape)
        return (*shape[:d], 1, *shape[d + 1 :])
    return shape


def broadcast_dim(shape: tuple[int, ...]) -> int:
    """The dimension an expanded input broadcasts: its first of size 2 or more (-1 if
    none)."""
    return next((d for d, size in enumerate(shape) if size > 1), -1)


def layout_suffix(shape: tuple[int, ...], layout: str) -> str:
    """What turns the storage-shaped tensor into the input's layout (a view or copy)."""
    if layout == "transposed" and len(shape) >= 2:
        return ".transpose(-1, -2)"
    if layout == "strided" and shape:
        return "[..., ::2]"
    if layout == "channels_last" and len(shape) == 4:
        return ".contiguous(memory_format=torch.channels_last)"
    if layout == "offset":
        return f"[1:].reshape{sizes(shape)}"
    if layout == "expanded" and broadcast_dim(shape) >= 0:
        return f".expand{sizes(shape)}"
    return ""


def layouts_for(shape: tuple[int, ...], writable: bool = False) -> tuple[str, ...]:
    """The layouts that change something for this shape (and can be written in place,
    when ``writable``)."""
    found = ["contiguous", "offset"]
    if len(shape) >= 2:
        found.append("transposed")
    if shape:
        found.append("strided")
    if len(shape) == 4:
        found.append("channels_last")
    if broadcast_dim(shape) >= 0 and not writable:
        found.append("expanded")
    return tuple(found)


def made_shape(shape: tuple[int, ...], layout: str) -> tuple[int, ...]:
    """The shape the profile expression makes: one extra element for an offset view."""
    if layout == "offset":
        return (math.prod(shape) + 1,)
    return storage_shape(shape, layout)


def value_expr(profile: str, dtype: str, shape: tuple[int, ...]) -> str:
    """A source expression for a tensor of ``shape`` and ``dtype`` in ``profile``."""
    s = dims(shape)
    if dtype == "bool":
        return bool_expr(profile, s)
    if dtype in INT_DTYPES:
        return int_expr(profile, dtype, s)
    return float_expr(profile, dtype, s)


def cast(dtype: str) -> str:
    return "" if dtype == "float32" else f".to(torch.{dtype})"


def float_expr(profile: str, dtype: str, s: str) -> str:
    rand, randn = f"torch.rand({s}, generator=g)", f"torch.randn({s}, generator=g)"
    ints = f"torch.randint({{}}, {{}}, {s}, generator=g)"
    if profile == "small_int":
        return f"{ints.format(-4, 5)}.to(torch.{dtype})"
    if profile == "near_limit":
        limit = FLOAT_LIMIT[dtype]
        return (
            f"(({rand} * 0.1 + 0.9) * {limit!r} * {ints.format(0, 2)}.mul(2).sub(1)){cast(dtype)}"
        )
    if profile == "tiny":
        return f"({randn}.double() * {TINY[dtype]!r}).to(torch.{dtype})"
    if profile == "neg_zero":
        return f"({ints.format(-2, 3)} * 0.5 * {ints.format(0, 2)}.mul(2).sub(1)){cast(dtype)}"
    if profile == "multiples":
        return f"({ints.format(-6, 7)} * 3.0){cast(dtype)}"
    if profile == "ties":
        return f"({ints.format(0, 2)} * 0.75 - 0.25){cast(dtype)}"
    if profile in ("positive", "negative"):
        sign = "" if profile == "positive" else "-"
        return f"({sign}({rand} * 4 + 0.25)){cast(dtype)}"
    if profile == "special":
        pick = f"{ints.format(0, 8)}"
        table = "torch.tensor([math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 2.5])"
        return f"torch.where({rand} < 0.3, {table}[{pick}], {randn}){cast(dtype)}"
    return f"{randn}{cast(dtype)}"


def int_expr(profile: str, dtype: str, s: str) -> str:
    low, high = INT_RANGE[dtype]
    signed = low < 0
    to = f".to(torch.{dtype})"
    if profile == "near_limit":
        top = f"torch.randint({high - 15}, {high}, {s}, generator=g, dtype=torch.int64)"
        if not signed:
            return f"{top}{to}"
        bottom = f"torch.randint({low}, {low + 15}, {s}, generator=g, dtype=torch.int64)"
        return f"torch.where(torch.rand({s}, generator=g) < 0.5, {top}, {bottom}){to}"
    lo, hi = {"small_int": (-4, 5), "tiny": (-1, 2), "ties": (0, 2), "multiples": (-6, 7),
              "positive": (1, 21), "negative": (-20, 0)}.get(profile, (-20, 21))  # fmt: skip
    if not signed and profile != "positive":
        lo, hi = 0, hi - lo
    scale = " * 3" if profile == "multiples" else ""
    return f"(torch.randint({lo}, {hi}, {s}, generator=g){scale}){to}"


def bool_expr(profile: str, s: str) -> str:
    if profile == "ties":
        return f"torch.ones({s}, dtype=torch.bool)"
    return f"(torch.rand({s}, generator=g) < 0.5)"


def literal_expr(values: Sequence[object], dtype: str, shape: tuple[int, ...]) -> str:
    items = ", ".join(repr(v) for v in values)
    return f"torch.tensor([{items}], dtype=torch.{dtype}).reshape{sizes(shape)}"


def profiles_for(dtype: str) -> tuple[str, ...]:
    if dtype == "bool":
        return ("normal", "ties")
    if dtype in FLOAT_DTYPES:
        return PROFILES
    unsigned = dtype == "uint8"
    left_out = ("neg_zero", "special", *(("negative",) if unsigned else ()))
    return tuple(p for p in PROFILES if p not in left_out)
