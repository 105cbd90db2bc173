"""The oracle's rules, established in plain torch: what eager, torch.compile and float64
give on the programs behind the judge's slow tests, what ``same()`` says, and what the
second looks fuel takes show.

    python bench/oracle_rules.py

For each program in ``tests/programs/oracle/`` it prints, per output: eager, compiled,
float64, whether ``torch._dynamo.utils.same(eager, compiled, fp64)`` passes; for the
discontinuous operation of the output, whether compiling it alone on eager's inputs gives
eager's result; and whether ``emulate_precision_casts`` removes the difference. Only torch
is used (no fuel code), so the expectations do not depend on what they test.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
import torch._inductor.config as inductor_config
from torch._dynamo.utils import same

PROGRAMS = Path(__file__).resolve().parents[1] / "tests" / "programs" / "oracle"
# the discontinuous operation of each program's first output, as eager feeds it
ALONE = {
    "floor_divide_tenth": lambda m, x: (torch.floor_divide, (x, 0.1)),
    "tanh_to_int": lambda m, x: (lambda t: t.to(torch.int32), (torch.tanh(x),)),
}


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def widen(t: torch.Tensor) -> torch.Tensor:
    return t.double() if t.is_floating_point() else t


def show(t: torch.Tensor, shown: int = 6) -> str:
    values = t.reshape(-1).tolist()
    return str(values[:shown])[:-1] + (", ...]" if len(values) > shown else "]")


def main() -> int:
    inductor_config.fallback_random = True
    for path in sorted(PROGRAMS.glob("*.py")):
        module = load(path)
        inputs = module.make_inputs()
        model = module.Model().eval()
        start = time.perf_counter()
        eager = as_tuple(model(*inputs))
        torch._dynamo.reset()
        compiled = as_tuple(torch.compile(model)(*inputs))
        reference = as_tuple(model.double()(*[widen(t) for t in inputs]))
        model.float()
        print(f"== {path.stem}  ({time.perf_counter() - start:.1f} s)")
        for i, (e, c, r) in enumerate(zip(eager, compiled, reference, strict=True)):
            verdict = same(e, c, r, log_error=lambda *args: None)
            print(f"  output[{i}] {e.dtype}: eager {show(e)}")
            print(f"  {'':10} compiled {show(c)}")
            print(f"  {'':10} float64  {show(r)}")
            print(f"  {'':10} same() passes: {verdict}")
        if path.stem in ALONE:
            fn, args = ALONE[path.stem](model, inputs[0])
            torch._dynamo.reset()
            alone = torch.compile(fn)(*args)
            agrees = torch.equal(alone, fn(*args))
            print(f"  the discontinuous operation alone on eager's inputs: compiled "
                  f"{show(alone)}, eager {show(fn(*args))}: agrees {agrees}")
        torch._dynamo.reset()
        with inductor_config.patch(emulate_precision_casts=True):
            emulated = as_tuple(torch.compile(model)(*inputs))
        removed = all(torch.equal(e, c) for e, c in zip(eager, emulated, strict=True))
        print(f"  with emulate_precision_casts compiled equals eager: {removed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
