"""Rendering: a recipe to the standalone program text, as a pure function.

The output is the core program format (``class Model``, ``make_inputs()``), imports
only ``math`` and ``torch``, and runs as is: a maintainer can paste it into a bug
report. Values come from a seeded ``torch.Generator``, layers from a seeded
``torch.manual_seed`` in ``__init__``, so the file alone fixes the whole test.
"""

from __future__ import annotations

from typing import Any

from fuel.generate import adapters
from fuel.generate.profiles import layout_suffix, literal_expr, made_shape, value_expr
from fuel.generate.recipe import Binding, Input, Node, Recipe

INDENT = "    "


def tree(value: Any, slots: list[str]) -> str:
    """Source of an argument tree, with ``slots[i]`` for tensor slot ``i``."""
    if not isinstance(value, dict):
        return repr(value)
    ((tag, inner),) = value.items()
    if tag == "tensor":
        return slots[inner]
    if tag == "scalar":
        return str(inner)
    if tag == "list":
        return "[" + ", ".join(tree(v, slots) for v in inner) + "]"
    if tag == "tuple":
        items = [tree(v, slots) for v in inner]
        return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"
    if tag in ("dtype", "memory_format"):
        return f"torch.{inner}"
    if tag == "float":
        return {"inf": "math.inf", "-inf": "-math.inf"}.get(inner, "math.nan")
    raise ValueError(f"unknown tree tag {tag!r}")


def module_attr(node: Node) -> str:
    return "layer" + node.name.removeprefix("v")


def constructor(node: Node) -> str:
    """``torch.nn.Conv2d(4, 5, 3)``, cast to the node's dtype where that is not float32."""
    assert node.call.ctor is not None
    args, kwargs = node.call.ctor
    parts = [tree(a, []) for a in args] + [f"{k}={tree(v, [])}" for k, v in kwargs]
    cast = "" if node.dtype == "float32" else f".to(torch.{node.dtype})"
    return f"{node.target}({', '.join(parts)}){cast}"


def argument(k: int) -> str:
    """The name of a call's k-th tensor argument when the generator checks the call."""
    return f"_arg{k}"


def arguments(node: Node) -> list[str]:
    """The names ``node_lines(node, checking=True)`` gives the call's tensor arguments
    (the ``out=`` destination last)."""
    count = len(node.bindings) + (node.dest is not None)
    return [argument(k) for k in range(count)]


def node_lines(node: Node, checking: bool = False) -> list[str]:
    """The statements of one call: named temporaries for guards, then the call. When
    ``checking``, every tensor argument is named first (``_arg0``...), so the call line
    can be run again alone on meta tensors."""
    lines: list[str] = []
    exprs: list[str] = []
    dest = (node.dest,) if node.dest is not None else ()
    for k, binding in enumerate((*node.bindings, *dest)):
        pre, expr = adapters.render(binding.source, binding.steps, f"{node.name}_{k}")
        lines += pre
        if checking:
            lines.append(f"{argument(k)} = {expr}")
            expr = argument(k)
        exprs.append(expr)
    call = node.call
    first = tree(call.input, exprs)
    rest = [tree(a, exprs) for a in call.args] + [f"{k}={tree(v, exprs)}" for k, v in call.kwargs]
    if node.form == "out":
        text = f"{node.target}({', '.join([first, *rest, f'out={exprs[-1]}'])})"
    elif node.form == "function":
        text = f"{node.target}({', '.join([first, *rest])})"
    elif node.form == "module":
        text = f"self.{module_attr(node)}({', '.join([first, *rest])})"
    else:
        text = f"{first}.{node.target}({', '.join(rest)})"
    lines.append(f"{node.name} = {text}")
    return lines


def input_lines(item: Input) -> list[str]:
    """The statements that make an input (for a buffer: the tensor, under its name)."""
    if item.profile == "scalar":
        return [f"{item.name} = {item.values[0]!r}"]
    if item.profile == "literal":
        return [f"{item.name} = {literal_expr(item.values, item.dtype, item.shape)}"]
    lines = [f"{item.name} = {tensor_expr(item)}"]
    lines += [f"torch._dynamo.mark_dynamic({item.name}, {d})" for d in item.dynamic]
    return lines


def tensor_expr(item: Input) -> str:
    """The expression that makes a tensor input with its values and layout."""
    made = value_expr(item.profile, item.dtype, made_shape(item.shape, item.layout))
    return f"{made}{layout_suffix(item.shape, item.layout)}"


def buffer_lines(recipe: Recipe) -> list[str]:
    """Buffers the program's calls read (and write): values from their own generator."""
    buffers = [i for i in recipe.inputs if i.place == "buffer"]
    if not buffers:
        return []
    out = [f"g = torch.Generator().manual_seed({recipe.seed + 1})"]
    out += [f'self.register_buffer("{i.name}", {tensor_expr(i)})' for i in buffers]
    return out


def init_lines(recipe: Recipe) -> list[str]:
    """``__init__``: the dtype anchors casts follow, the buffers, then the layers (seeded)."""
    modules = [n for n in recipe.nodes if n.form == "module"]
    floats = sorted(
        set().union(*(adapters.anchors(b.steps) for n in recipe.nodes for b in bindings_of(n)))
    )
    buffers = buffer_lines(recipe)
    if not modules and not floats and not buffers:
        return []
    out = [f"{INDENT}def __init__(self):", f"{INDENT * 2}super().__init__()"]
    if floats:
        out.append(
            f"{INDENT * 2}# casts follow these dtypes, so model.to(torch.float64) moves them"
        )
    out += [
        f'{INDENT * 2}self.register_buffer("{adapters.anchor(d)}", torch.zeros((), '
        f"dtype=torch.{d}))"
        for d in floats
    ]
    out += [INDENT * 2 + line for line in buffers]
    if modules:
        out.append(f"{INDENT * 2}torch.manual_seed({recipe.seed})")
        out += [f"{INDENT * 2}self.{module_attr(n)} = {constructor(n)}" for n in modules]
    return [*out, ""]


def bindings_of(node: Node) -> tuple[Binding, ...]:
    """Every binding of a call, the ``out=`` destination included."""
    return (*node.bindings, *((node.dest,) if node.dest is not None else ()))


def config_lines(recipe: Recipe) -> list[str]:
    """Compiler configs the program sets (module level: the loader finds them)."""
    return [f"torch._dynamo.config.{name} = {value!r}" for name, value in recipe.configs]


def render(recipe: Recipe) -> str:
    ops = ", ".join(dict.fromkeys(recipe.ops()))
    notes = "".join(f"\n{note}." for note in recipe.notes)
    out = [
        f'"""Generated by fuel\'s built-in synthesizer (seed {recipe.seed}): {ops}.{notes}"""',
        "import math",
        "",
        "import torch",
        "",
        *([*config_lines(recipe), ""] if recipe.configs else []),
        "",
    ]
    out.append("class Model(torch.nn.Module):")
    out += init_lines(recipe)
    arguments = [i for i in recipe.inputs if i.place == "argument"]
    params = ", ".join(["self", *(i.name for i in arguments)])
    out.append(f"{INDENT}def forward({params}):")
    for node in recipe.nodes:
        out += [INDENT * 2 + line for line in node_lines(node)]
    returned = ", ".join(recipe.outputs)
    out.append(f"{INDENT * 2}return {returned}" + ("," if len(recipe.outputs) == 1 else ""))
    out += [
        "",
        "",
        "def make_inputs():",
        f"{INDENT}g = torch.Generator().manual_seed({recipe.seed})",
    ]
    for item in arguments:
        out += [INDENT + line for line in input_lines(item)]
    names = ", ".join(i.name for i in arguments)
    out.append(f"{INDENT}return ({names}{',' if len(arguments) == 1 else ''})")
    return "\n".join(out) + "\n"
