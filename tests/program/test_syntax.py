"""Syntax helpers: the operators forward calls, named as a report names them."""

from __future__ import annotations

import gc
import sys
import threading
import time
from pathlib import Path

from fuel.program import parsing
from fuel.program.syntax import forward_operators

ROOT = Path(__file__).parents[2]

SOURCE = """
import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.pad = torch.nn.ReplicationPad1d(1).to(torch.float64)

    def forward(self, x):
        return self.pad(torch.std_mean(torch.std(x).expand(0))[1].reshape(1, 1))
"""


def test_a_method_of_a_computed_value_is_a_tensor_method() -> None:
    names = forward_operators(SOURCE)
    assert sorted(names) == ["Tensor.expand", "Tensor.reshape", "nn.ReplicationPad1d",
                             "torch.std", "torch.std_mean"]  # fmt: skip


class DropsTheGil:
    """Garbage whose finalizer lets another thread run in the middle of a collection,
    which is how one thread's tree building interleaves with another's."""

    def __init__(self) -> None:
        self.cycle = self

    def __del__(self) -> None:
        time.sleep(0)


def test_threads_parsing_at_once_never_trip_the_ast_constructor() -> None:
    """Raw ``ast.parse`` in four threads, under these conditions, fails within a few
    hundred parses on CPython 3.11 ("AST constructor recursion depth mismatch")."""
    source = (ROOT / "fuel" / "campaign" / "loop.py").read_text()
    errors: list[BaseException] = []

    def parse_many() -> None:
        try:
            for _ in range(300):
                _ = [DropsTheGil() for _ in range(20)]
                parsing.parse(source)
                parsing.literal("{'a': (1, 2.5, None)}")
        except BaseException as exc:
            errors.append(exc)

    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    sys.setswitchinterval(1e-6)
    gc.set_threshold(50, 1, 1)
    try:
        threads = [threading.Thread(target=parse_many) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*thresholds)
        gc.collect()
    assert errors == []
