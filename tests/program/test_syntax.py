"""Syntax helpers: the operators forward calls, named as a report names them."""

from __future__ import annotations

from fuel.program.syntax import forward_operators

SOURCE = '''
import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.pad = torch.nn.ReplicationPad1d(1).to(torch.float64)

    def forward(self, x):
        return self.pad(torch.std_mean(torch.std(x).expand(0))[1].reshape(1, 1))
'''


def test_a_method_of_a_computed_value_is_a_tensor_method() -> None:
    names = forward_operators(SOURCE)
    assert sorted(names) == ["Tensor.expand", "Tensor.reshape", "nn.ReplicationPad1d",
                             "torch.std", "torch.std_mean"]  # fmt: skip
