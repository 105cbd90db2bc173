"""An invalid program: the matmul shapes do not fit, so eager raises too (not a bug)."""
import torch


class Model(torch.nn.Module):
    def forward(self, x, y):
        return x @ y


def make_inputs():
    return torch.randn(3, 4), torch.randn(5, 6)
