"""The catalog's records: what an operator accepts, as data, with one JSON serialiser.

An :class:`OpSpec` says how to call an operator (``Call``), which dtypes it works with,
what it is (random, nondeterministic, a view, in-place capable, its category) and a few
:class:`Template` calls that are known to work. A template is one curated call from
torch's own test database with its tensors lifted out into :class:`Slot` records: a
*data* slot takes any values of its dtype (the generator feeds it from the program's
dataflow), a *fresh* slot takes random values but may raise on degenerate ones (a
singular matrix), so it gets its own random input, a *literal* slot keeps the values
torch's tests used (indices, lengths, positive-definite matrices), so the call stays
valid by construction.

Argument trees are plain JSON: scalars as themselves and single-key objects for the
rest (``{"tensor": 0}`` is slot 0, ``{"tuple": [...]}``, ``{"dtype": "int32"}``,
``{"float": "inf"}``, ``{"memory_format": "channels_last"}``). Nothing here renders
source; :mod:`fuel.generate` does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

SCHEMA = 4  # bump when the records change: cached catalogs of older schemas are rebuilt

# The dtypes programs are made of, weighted elsewhere toward integers and low precision.
# Every integer type with arithmetic on CPU; uint16/32/64 are left out: torch's OpInfos
# give them to about 38 operators, nearly all special functions and comparisons.
DTYPES = ("float32", "float16", "bfloat16", "float64", "int8", "uint8", "int16", "int32",
          "int64", "bool")  # fmt: skip
FLOAT_DTYPES = ("float32", "float16", "bfloat16", "float64")
INT_DTYPES = ("int8", "uint8", "int16", "int32", "int64")


class CallKind(str, enum.Enum):
    FUNCTION = "function"  # torch.add(x, y): ``target`` is the dotted path
    METHOD = "method"  # x.add(y): ``target`` is the method name
    MODULE = "module"  # self.m = torch.nn.Conv2d(...); self.m(x): ``target`` is the class path


class Role(str, enum.Enum):
    DATA = "data"  # any values of the slot's dtype are valid
    FRESH = "fresh"  # random values are valid, degenerate ones (zeros, ties) may raise
    LITERAL = "literal"  # only the recorded values are known to be valid


@dataclass(frozen=True, slots=True)
class Call:
    kind: CallKind
    target: str
    method: str = ""  # the Tensor method of the same operator, if any
    inplace: str = ""  # the in-place Tensor method (``add_``), if any


@dataclass(frozen=True, slots=True)
class Slot:
    """One tensor argument of a template call."""

    shape: tuple[int, ...]
    dtype: str
    role: Role = Role.DATA
    values: tuple[Any, ...] = ()  # literal values, row-major
    follows: bool = True  # a data slot whose dtype becomes the op dtype of the call
    where: str = "input"  # the top-level argument holding it: input, 0, 1, ..., or a keyword

    def numel(self) -> int:
        count = 1
        for size in self.shape:
            count *= size
        return count


@dataclass(frozen=True, slots=True)
class Template:
    """A call known to work: argument trees whose tensors are slots."""

    input: Any  # tree of the first argument (the tensor, or a list of tensors)
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    slots: tuple[Slot, ...]
    dtypes: tuple[str, ...]  # op dtypes this call was probed to work with
    # Where the call's result holds tensors: () for a lone tensor, (1, 0) for out[1][0].
    outputs: tuple[tuple[int, ...], ...] = ((),)
    ctor: tuple[tuple[Any, ...], tuple[tuple[str, Any], ...]] | None = None  # modules only
    finite_only: bool = False  # raises on NaN or infinite data


@dataclass(frozen=True, slots=True)
class Guard:
    """A value domain a data slot needs (see ``fuel.catalog.domains``)."""

    where: str  # the argument it applies to, as in ``Slot.where``
    name: str


@dataclass(frozen=True, slots=True)
class OpSpec:
    name: str  # exact catalog name: OpInfo name[.variant], or nn.<Layer>
    family: str
    category: str
    call: Call
    dtypes: tuple[str, ...]
    templates: tuple[Template, ...]
    guards: tuple[Guard, ...] = ()
    random: bool = False  # its results change with the random seed
    seeded: bool = False  # calls an aten operator tagged random, though results did not change
    traced_differs: bool = False  # gives other results when run under a dispatch mode
    nondeterministic: bool = False
    view: bool = False  # returns a view of an argument
    excluded: str = ""  # why programs never use it; "" when usable
    # torch.Tag names of the aten operators its calls ran (pointwise, reduction,
    # dynamic_output_shape...), and "out" where the first of them has an out= overload.
    tags: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return not self.excluded and bool(self.templates)

    def guards_for(self, slot: Slot) -> tuple[str, ...]:
        return tuple(g.name for g in self.guards if g.where == slot.where)


@dataclass(frozen=True, slots=True)
class CatalogData:
    """Everything the build learnt, as stored in the cache."""

    torch_version: str
    ops: tuple[OpSpec, ...]
    schema: int = SCHEMA
    notes: tuple[str, ...] = field(default=())
