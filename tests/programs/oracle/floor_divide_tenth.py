"""A real bug in a discontinuous operation: float 1.0 // 0.1 is 9 in eager and float64,
10 compiled, on identical inputs."""

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return x // 0.1


def make_inputs():
    return (torch.tensor([1.0, 9.0, 0.3, 2.5]),)
