"""Each setting family really changes what is compiled (real compiles: slow)."""

from __future__ import annotations

import pytest
import torch

from fuel.execute.records import CompileOptions, Phase
from fuel.execute.runner import Instance, run_phase
from fuel.execute.targets import target_named

pytestmark = pytest.mark.slow


class Scale(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x * self.weight) + 1


def graphs_for_two_sizes(options: CompileOptions) -> int:
    from torch._dynamo.utils import counters

    counters.clear()
    fn = target_named("compile").prepare(Scale(), (), options)
    fn(torch.randn(4))
    fn(torch.randn(8))
    return int(counters["stats"]["unique_graphs"])


def test_dynamic_shapes_compile_once_for_two_sizes_static_twice() -> None:
    assert graphs_for_two_sizes(CompileOptions(backend="eager", dynamic=True)) == 1
    assert graphs_for_two_sizes(CompileOptions(backend="eager", dynamic=False)) == 2


def test_backward_compares_gradients_of_inputs_and_parameters() -> None:
    instance = Instance(module=None, model=Scale(), inputs=(torch.randn(5),), source="")  # type: ignore[arg-type]
    options = CompileOptions(backend="aot_eager", backward=True)
    outcome = run_phase(Phase.COMPILED, instance, options)
    assert outcome.ok, outcome.failure
    labels = [g.label for g in outcome.grads]
    assert labels == ["grad:input[0]", "grad:param:weight"]
    forward_only = run_phase(Phase.COMPILED, instance, CompileOptions(backend="aot_eager"))
    assert forward_only.grads == ()
