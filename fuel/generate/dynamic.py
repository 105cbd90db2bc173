"""Is a dim marked dynamic really left dynamic by the program?

``torch._dynamo.mark_dynamic`` is a promise: if the traced program specializes the dim
to a constant (a reshape to fixed sizes, a broadcast against a fixed size), Dynamo
raises ``ConstraintViolationError``, and the judge would see a compile crash that is
the program's fault. Before a mutation marks a dim, the whole forward runs on fake
tensors whose marked dims are symbolic, the way Dynamo traces it; the mark is kept
only if no marked symbol was replaced by a constant. Dims of size 0 and 1 are never
marked: Dynamo specializes them regardless.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv, StatelessSymbolicContext

from fuel.generate.fake import Workbench, quiet_fake_tensors
from fuel.generate.recipe import Recipe
from fuel.generate.render import constructor, module_attr, node_lines


def size_expr(size: Any) -> Any:
    """The sympy expression behind a symbolic size (a plain int when static)."""
    node = getattr(size, "node", None)
    return size if node is None else node.expr


def keeps_dynamic(recipe: Recipe) -> bool:
    """True if every marked dim stays symbolic through the whole forward."""
    if not any(i.dynamic for i in recipe.inputs):
        return True
    bench = Workbench(recipe.seed)
    if not all(bench.add_input(item) for item in recipe.inputs):
        return False
    for node in recipe.nodes:
        if node.form == "module" and not bench.add_module(module_attr(node), constructor(node)):
            return False
    shape_env = ShapeEnv()
    mode = FakeTensorMode(shape_env=shape_env, allow_non_fake_inputs=True)
    env: dict[str, Any] = {"torch": torch, "math": math, "self": bench.holder}
    symbols = []
    for item in recipe.inputs:
        real = bench.env[item.name]
        if not item.is_tensor:
            env[item.name] = real
            continue
        sizes = [
            DimDynamic.DYNAMIC if d in item.dynamic else DimDynamic.STATIC
            for d in range(real.dim())
        ]
        fake = mode.from_tensor(real, symbolic_context=StatelessSymbolicContext(sizes))
        symbols += [size_expr(fake.size(d)) for d in item.dynamic]
        env[item.name] = fake
    lines = [line for node in recipe.nodes for line in node_lines(node)]
    try:
        with warnings.catch_warnings(), quiet_fake_tensors(), torch.no_grad(), mode:
            warnings.simplefilter("ignore")
            exec(compile("\n".join(lines), "<fuel-dynamic>", "exec"), env)
    except Exception:
        return False
    return all(
        not isinstance(symbol, int) and not shape_env.simplify(symbol).is_number
        for symbol in symbols
    )
