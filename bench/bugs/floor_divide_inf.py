"""A generated-style program hiding a real torch 2.13 CPU Inductor bug:
torch.floor_divide(-7.0, inf) gives -0.0 when compiled (eager, like Python: -1.0)."""

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 4, 3, padding=1)
        self.lin = nn.Linear(12, 12)

    def forward(self, x, d):
        a = self.conv(x)
        b = torch.nn.functional.gelu(a)
        c = self.lin(b)
        e = torch.floor(c * 4.0)
        f = torch.floor_divide(e, d)
        g = f * 0.25 + b
        h = torch.sin(g) + torch.cos(c)
        i = h.reshape(2, -1)
        j = torch.softmax(i, dim=-1)
        k = j.reshape(2, 4, 12)
        m = k * a
        n = m.sum(dim=1)
        return n, f


def make_inputs():
    x = torch.randn(2, 4, 12)
    d = torch.where(torch.rand(2, 4, 12) > 0.5, float("inf"), -float("inf"))
    return x, d
