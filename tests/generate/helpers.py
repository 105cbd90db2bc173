"""Running generated programs in the test process: they are fuel's own output."""

from __future__ import annotations

import warnings
from typing import Any

import torch

from fuel.generate.base import GenerationRequest
from fuel.generate.builtin import BuiltinGenerator
from fuel.program import Program


def run_eagerly(program: Program) -> Any:
    """Build the model and inputs as the executor does, and call it once in eager."""
    namespace: dict[str, Any] = {}
    exec(compile(program.source, program.name, "exec"), namespace)
    torch.manual_seed(0)
    model = namespace["Model"]().eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. var_mean over one element: expected here
        return model(*namespace["make_inputs"]())


def programs(generator: BuiltinGenerator, seeds: range, ops: tuple[str, ...] = ()) -> list[Program]:
    return [generator.generate(GenerationRequest(ops, seed)) for seed in seeds]
