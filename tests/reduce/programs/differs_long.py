"""A stand-in bug hidden in a longer program: ``shifted`` adds 1 under any backend."""

import torch
import torch.nn as nn


def shifted(t):
    if torch.compiler.is_compiling():
        return t + 1
    return t


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8)
        self.extra = nn.Linear(8, 3)

    def forward(self, x, y, z):
        a = self.lin(x)
        b = torch.relu(a) + y
        c = self.norm(b)
        d = c * 2.5
        e = shifted(d)
        f = torch.tanh(e)
        g = f.sum(dim=-1)
        h = g * 0.5
        return h, a.mean()


def make_inputs():
    return torch.randn(4, 8), torch.randn(4, 8), torch.randn(2, 2)
