"""The generator's checks: a candidate call on the meta device, and on tiny real tensors.

Every candidate call is rendered first, and what is checked is exactly what the
program will say. The call runs on meta tensors with the strides and dtypes its
arguments will have: torch's meta kernels check shapes, dtypes, broadcasting and view
rules without data, as the compiler's tracing will. Meta kernels check less than eager
kernels (in-place broadcasting, reductions of empty tensors, storage bounds of
``as_strided``, value-dependent errors), so the whole statement, adapters included,
also runs on real CPU tensors drawn from the same value profiles. Those tensors are
small (a few thousand elements at most), so both checks together cost well under a
millisecond per call. Only the generator's own rendered text runs here, never a
program from elsewhere.
"""

from __future__ import annotations

import copy
import math
import types
import warnings
from typing import Any

import torch
from torch.utils import _pytree as pytree

from fuel.catalog.spec import DTYPES, FLOAT_DTYPES
from fuel.catalog.trees import dtype_of
from fuel.generate.adapters import anchor
from fuel.generate.recipe import Input, Value
from fuel.generate.render import input_lines

# The real check runs in the generator's process: a call whose result would hold more
# elements than this (a cartesian product, an outer product of long vectors) is refused
# on its meta shapes before it can take the process's time or memory.
MAX_RESULT_NUMEL = 1 << 18


class Workbench:
    """A real namespace that grows one accepted statement at a time, plus meta checks."""

    def __init__(self, seed: int) -> None:
        self.holder = types.SimpleNamespace()  # real layers, as ``self`` of the program
        self.meta_holder = types.SimpleNamespace()  # the same layers on the meta device
        for dtype in FLOAT_DTYPES:  # the dtype anchors of casts (fuel.generate.adapters)
            setattr(self.holder, anchor(dtype), torch.zeros((), dtype=dtype_of(dtype)))
            setattr(self.meta_holder, anchor(dtype), torch.zeros((), dtype=dtype_of(dtype)))
        generator = torch.Generator().manual_seed(seed)
        self.env: dict[str, Any] = {
            "torch": torch,
            "math": math,
            "self": self.holder,
            "g": generator,
        }

    def add_input(self, item: Input) -> bool:
        return self.run_real(input_lines(item))

    def add_module(self, attr: str, source: str) -> bool:
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                module = eval(source, {"torch": torch, "math": math}).eval()
                setattr(self.holder, attr, module)
                setattr(self.meta_holder, attr, copy.deepcopy(module).to("meta"))
        except Exception:
            return False
        return True

    def run_real(self, lines: list[str]) -> bool:
        try:
            code = compile("\n".join(lines), "<fuel-candidate>", "exec")
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                exec(code, self.env)
        except Exception:
            return False
        return True

    def run_meta(
        self, call_line: str, result: str, arguments: list[str], scalars: list[str]
    ) -> bool:
        """The call alone, its tensor arguments replaced by meta tensors of equal layout;
        False also when a result would be too large to compute for real here."""
        env: dict[str, Any] = {"torch": torch, "math": math, "self": self.meta_holder}
        for name in arguments:
            real = self.env[name]
            env[name] = torch.empty_strided(
                real.shape, real.stride(), dtype=real.dtype, device="meta"
            )
        for name in scalars:
            env[name] = self.env[name]
        try:
            code = compile(call_line, "<fuel-candidate>", "exec")
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                exec(code, env)
        except Exception:
            return False
        leaves = pytree.tree_leaves(env.get(result))
        return all(t.numel() <= MAX_RESULT_NUMEL for t in leaves if isinstance(t, torch.Tensor))

    def values(self, name: str, paths: tuple[tuple[int, ...], ...]) -> tuple[Value, ...] | None:
        """The tensors a call produced at the template's output paths, or None."""
        found = []
        for path in paths:
            value = self.env.get(name)
            try:
                for index in path:
                    value = value[index]  # type: ignore[index]
            except (TypeError, IndexError, KeyError):
                return None
            if not isinstance(value, torch.Tensor) or value.layout is not torch.strided:
                return None
            dtype = str(value.dtype).removeprefix("torch.")
            if dtype not in DTYPES:
                return None
            expr = name + "".join(f"[{i}]" for i in path)
            found.append(Value(expr, tuple(int(s) for s in value.shape), dtype))
        return tuple(found)
