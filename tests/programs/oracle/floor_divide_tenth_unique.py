"""A real bug in a discontinuous operation upstream of unique: float 1.0 // 0.1 is 9 in
eager and float64, 10 compiled, on identical inputs; unique then counts 1 value
against 2."""

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return torch.unique(x // 0.1)


def make_inputs():
    return (torch.tensor([1.0, 0.95]),)
