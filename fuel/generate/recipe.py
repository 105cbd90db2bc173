"""The recipe: a generated program's structured form, from which the source is rendered.

All the generator's random choices end up here; rendering a recipe is a pure function
(``fuel.generate.render``), so the recipe stored in ``Program.recipe`` (JSON) is the
whole program, and mutation edits a recipe, never source text. A recipe holds copies
of the catalog calls it uses, so it stays renderable when the catalog changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fuel import serial
from fuel.catalog.spec import Template

RECIPE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Input:
    """One argument of ``forward``, made by ``make_inputs``."""

    name: str  # x0, x1... (tensors) or s0... (Python scalars)
    shape: tuple[int, ...]
    dtype: str  # for scalars: "int" or "float"
    profile: str  # a value profile (``fuel.generate.profiles``), "literal" or "scalar"
    layout: str = "contiguous"  # see fuel.generate.profiles.LAYOUTS
    values: tuple[Any, ...] = ()  # literal values, row-major (literal and scalar inputs)
    dynamic: tuple[int, ...] = ()  # dims marked dynamic with torch._dynamo.mark_dynamic
    place: str = "argument"  # argument (of forward) | buffer (of the model, self.<name>)

    @property
    def is_tensor(self) -> bool:
        return self.profile != "scalar"

    @property
    def expr(self) -> str:
        """How forward names it."""
        return f"self.{self.name}" if self.place == "buffer" else self.name


@dataclass(frozen=True, slots=True)
class Step:
    """One adapter on the way from a value to a slot: ``kind`` and its parameters."""

    kind: str  # see fuel.generate.adapters.RENDER
    params: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _tuples(list(self.params)))


@dataclass(frozen=True, slots=True)
class Binding:
    """Where one tensor slot of a call gets its tensor, and how it was adapted.

    ``from_shape``/``from_dtype`` record the source as it was when the steps were
    planned: a mutation that changes the source re-plans the steps, others keep them.
    """

    source: str  # an input name or a value expression such as v3 or v3[1]
    steps: tuple[Step, ...] = ()
    direct: bool = False  # the slot takes the source's shape as is (no shape adapter)
    mixed: bool = False  # the slot takes the source's dtype as is: the call promotes
    guards: tuple[str, ...] = ()  # value guards the slot needs (fuel.catalog.domains)
    from_shape: tuple[int, ...] = ()
    from_dtype: str = ""


@dataclass(frozen=True, slots=True)
class Value:
    """A tensor a node produced: its expression and what fake tensors said of it."""

    expr: str  # v3, v3[0], v3[1][0]
    shape: tuple[int, ...]
    dtype: str


@dataclass(frozen=True, slots=True)
class Node:
    """One operator call in ``forward``."""

    name: str  # v0, v1...
    op: str  # catalog name
    index: int  # which of the operator's templates the call came from
    call: Template  # that template, copied (scalars lifted to inputs appear as such)
    dtype: str  # the op dtype of the call
    form: str  # function | method | inplace | module | out (a function given out=)
    target: str  # torch.add / add / add_ / torch.nn.Conv2d
    bindings: tuple[Binding, ...]  # one per slot of ``call``
    outputs: tuple[Value, ...] = ()
    view: bool = False  # the operator returns a view of an argument
    data_dependent: bool = False  # its output's size depends on the values (nonzero...)
    dest: Binding | None = None  # where an ``out=`` call writes (form "out")


@dataclass(frozen=True, slots=True)
class Recipe:
    seed: int
    inputs: tuple[Input, ...]
    nodes: tuple[Node, ...]
    outputs: tuple[str, ...]  # value expressions returned by forward
    version: int = RECIPE_VERSION
    notes: tuple[str, ...] = field(default=())
    shapes: str = "small"  # small | vector: see fuel.generate.choices.VECTOR_SHARE
    # Compiler configs the program sets (a motif's capture settings), rendered first.
    configs: tuple[tuple[str, Any], ...] = ()
    motifs: tuple[str, ...] = ()  # what the census found in it (fuel.generate.census)

    def ops(self) -> tuple[str, ...]:
        return tuple(node.op for node in self.nodes)

    def input(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)


def dumps(recipe: Recipe) -> str:
    return serial.dumps(recipe)


def loads(text: str) -> Recipe:
    raw = json.loads(text)
    if raw.get("version") != RECIPE_VERSION:
        raise ValueError(f"recipe version {raw.get('version')} is not {RECIPE_VERSION}")
    return serial.from_data(Recipe, raw)


def recorded_motifs(text: str) -> tuple[str, ...]:
    """The census a stored recipe records: () for a program without a recipe (from an
    LLM, a file) or with one from before motifs."""
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return ()
    found = data.get("motifs", []) if isinstance(data, dict) else []
    return tuple(m for m in found if isinstance(m, str)) if isinstance(found, list) else ()


def _tuples(value: Any) -> Any:
    """Nested lists as tuples: JSON has no tuples, and a recipe holds no lists."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value
