"""A generated-style program hiding a real torch 2.13 behaviour difference: argmax of
a bool tensor raises in eager ("does not support bool input") but compiles and runs."""

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(10, 10)

    def forward(self, x, t):
        a = self.embed(x)
        b = torch.tanh(a)
        c = b > t
        d = torch.argmax(c, dim=-1)
        e = torch.nn.functional.one_hot(d, num_classes=10).float()
        f = e * b
        g = f.sum(dim=-1)
        h = torch.sigmoid(g) + a.mean(dim=-1)
        return h


def make_inputs():
    x = torch.randn(6, 10)
    t = torch.rand(6, 10) * 0.5
    return x, t
