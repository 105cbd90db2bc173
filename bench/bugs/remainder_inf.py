"""A generated-style program hiding a real torch 2.13 CPU Inductor bug:
torch.remainder(-0.0, inf) gives nan when compiled (eager: -0.0)."""

import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 16)
        self.norm = nn.LayerNorm(16)
        self.gate = nn.Linear(16, 16, bias=False)
        self.scale = nn.Parameter(torch.ones(16) * 0.75)

    def forward(self, x, y, mask):
        a = self.proj(x)
        b = torch.relu(a) * -1.0
        c = self.norm(a) * self.scale
        d = torch.sigmoid(self.gate(c))
        e = torch.remainder(b, y)
        f = torch.where(mask, e, d)
        g = f + c * 0.5
        h = torch.tanh(g)
        i = h.cumsum(dim=-1)
        j = i / (1.0 + i.abs())
        k = j.transpose(0, 1).contiguous()
        m = k.amax(dim=0, keepdim=True)
        n = k - m
        o = torch.exp(n)
        p = o / o.sum(dim=0, keepdim=True)
        q = p.mean(dim=-1)
        r = torch.clamp(q, min=-3.0, max=3.0)
        return r, d.sum()


def make_inputs():
    x = torch.randn(8, 16)
    y = torch.full((8, 16), float("inf"))
    y[:, ::3] = 2.5
    mask = torch.rand(8, 16) > 0.25
    return x, y, mask
