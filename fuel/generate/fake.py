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

import contextlib
import copy
import logging
import math
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.fx.experimental.symbolic_shapes import ShapeEnv
from torch.utils import _pytree as pytree

from fuel.catalog.spec import DTYPES, FLOAT_DTYPES
from fuel.catalog.trees import dtype_of
from fuel.generate.adapters import anchor, render
from fuel.generate.recipe import Binding, Input, Value
from fuel.generate.render import input_lines

# The real check runs in the generator's process: a call whose result would hold more
# elements than this (a cartesian product, an outer product of long vectors) is refused
# on its meta shapes before it can take the process's time or memory.
MAX_RESULT_NUMEL = 1 << 18


@contextlib.contextmanager
def quiet_fake_tensors() -> Iterator[None]:
    """A forward that fails on fake tensors is an expected answer here ("do not mark
    this dim"), but FakeTensorMode logs every failing meta kernel at ERROR level, which
    would fill the campaign's terminal with tracebacks of programs never run."""
    logger = logging.getLogger("torch._subclasses.fake_tensor")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The states of a workbench's random streams."""

    inputs: torch.Tensor
    buffers: torch.Tensor
    layers: torch.Tensor


class Workbench:
    """A real namespace that grows one accepted statement at a time, plus meta checks."""

    def __init__(self, seed: int) -> None:
        self.holder = types.SimpleNamespace()  # real layers, as ``self`` of the program
        self.meta_holder = types.SimpleNamespace()  # the same layers on the meta device
        for dtype in FLOAT_DTYPES:  # the dtype anchors of casts (fuel.generate.adapters)
            setattr(self.holder, anchor(dtype), torch.zeros((), dtype=dtype_of(dtype)))
            setattr(self.meta_holder, anchor(dtype), torch.zeros((), dtype=dtype_of(dtype)))
        # The program's own random streams, so that the values here are the program's:
        # inputs from make_inputs' generator, buffers from __init__'s, layers from the
        # seeded global generator (kept apart from this process's own).
        self.inputs = torch.Generator().manual_seed(seed)
        self.buffers = torch.Generator().manual_seed(seed + 1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.layers = torch.get_rng_state()
        self.env: dict[str, Any] = {
            "torch": torch,
            "math": math,
            "self": self.holder,
            "g": self.inputs,
        }

    def snapshot(self) -> Snapshot:
        """Where the random streams stand: a failed candidate goes back to it, so that
        every value made here is the one the rendered program makes."""
        return Snapshot(self.inputs.get_state(), self.buffers.get_state(), self.layers)

    def restore(self, snapshot: Snapshot) -> None:
        self.inputs.set_state(snapshot.inputs)
        self.buffers.set_state(snapshot.buffers)
        self.layers = snapshot.layers

    def add_input(self, item: Input) -> bool:
        if item.place != "buffer":
            return self.run_real(input_lines(item))
        self.env["g"] = self.buffers
        try:
            return self.run_real([*input_lines(item), f"{item.expr} = {item.name}"])
        finally:
            self.env["g"] = self.inputs

    def add_module(self, attr: str, source: str) -> bool:
        try:
            with warnings.catch_warnings(), torch.no_grad(), torch.random.fork_rng(devices=[]):
                warnings.simplefilter("ignore")
                torch.set_rng_state(self.layers)
                module = eval(source, {"torch": torch, "math": math}).eval()
                self.layers = torch.get_rng_state()
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
        self,
        call_line: str,
        result: str,
        arguments: list[str],
        scalars: list[str],
        data_dependent: bool = False,
    ) -> bool:
        """The call alone, its tensor arguments replaced by meta tensors of equal layout;
        False also when a result would be too large to compute for real here. An
        operator whose output size depends on the data has no meta kernel: it runs on
        fake tensors instead (never another operator: where fake tensors lack a kernel
        they run the real one, which may crash on the shapes meta refused)."""
        env: dict[str, Any] = {"torch": torch, "math": math, "self": self.meta_holder}
        for name in arguments:
            real = self.env[name]
            env[name] = (
                torch.empty_strided(real.shape, real.stride(), dtype=real.dtype, device="meta")
                if isinstance(real, torch.Tensor)
                else real  # a Python number in a tensor's place
            )
        for name in scalars:
            env[name] = self.env[name]
        code = compile(call_line, "<fuel-candidate>", "exec")
        if not run_quietly(code, env) and not (
            data_dependent and self.run_fake(code, arguments, scalars)
        ):
            return False
        leaves = pytree.tree_leaves(env.get(result))
        return all(t.numel() <= MAX_RESULT_NUMEL for t in leaves if isinstance(t, torch.Tensor))

    def run_fake(self, code: types.CodeType, arguments: list[str], scalars: list[str]) -> bool:
        """The call on fake tensors with a shape environment: how operators whose output
        size depends on the data (no meta kernel) are checked, as Dynamo captures them."""
        mode = FakeTensorMode(shape_env=ShapeEnv())
        env: dict[str, Any] = {"torch": torch, "math": math, "self": self.meta_holder}
        for name in (*arguments, *scalars):
            real = self.env[name]
            is_tensor = isinstance(real, torch.Tensor)
            env[name] = mode.from_tensor(real, static_shapes=True) if is_tensor else real
        with quiet_fake_tensors(), mode:
            return run_quietly(code, env)

    def overlaps(self, name: str) -> bool:
        """Do two elements of the tensor ``name`` share memory? A write through such a
        view (``as_strided`` with small strides, ``expand``) depends on the order the
        kernel writes in: eager and compiled may both be right and still differ."""
        t = self.env[name]
        if not isinstance(t, torch.Tensor) or t.numel() < 2:
            return False
        offsets = torch.zeros((), dtype=torch.int64)
        for size, stride in zip(t.shape, t.stride(), strict=True):
            offsets = offsets.unsqueeze(-1) + torch.arange(size) * stride
        return int(offsets.unique().numel()) < t.numel()

    def shape_of(self, binding: Binding) -> tuple[tuple[int, ...], str] | None:
        """The shape and dtype of what a binding makes, here (None if it raises)."""
        lines, expr = render(binding.source, binding.steps, "_made")
        if not self.run_real([*lines, f"_made = {expr}"]):
            return None
        made = self.env["_made"]
        return tuple(int(s) for s in made.shape), str(made.dtype).removeprefix("torch.")

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


def run_quietly(code: types.CodeType, env: dict[str, Any]) -> bool:
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            exec(code, env)
    except Exception:
        return False
    return True
