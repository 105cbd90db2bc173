"""An eager bug, not a compile bug, on torch 2.13: eager's native_group_norm reads a
strided weight's storage as if it were contiguous (fixed by 2.15); compiled is right.
The program is float64, so a float64 reference only repeats eager."""

import torch


class Model(torch.nn.Module):
    def forward(self, x, weight, bias):
        return torch.native_group_norm(x, weight, bias, 2, 6, 16, 3, 1e-5)[0]


def make_inputs():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 6, 4, 4, generator=g, dtype=torch.float64)
    weight = torch.randn(6, 2, generator=g, dtype=torch.float64)[:, 0]  # every other element
    bias = torch.randn(6, generator=g, dtype=torch.float64)
    return x, weight, bias
