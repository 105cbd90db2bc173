"""Tensor.polygamma_ under torch.compile: AOTAutograd's functionalization refuses it
("Found a custom (non-ATen) operator whose output has alias annotations:
aten::polygamma_(Tensor(a!) self, int n)"), raised by functionalization's C++ fallback,
where eager runs it. Its functional form, polygamma(int n, Tensor self), takes the
arguments in the other order (not traced further). Found by fuel's campaigns all week;
shows on 2.13.0 and 2.15.0; no public issue found (searched by message and operator)."""

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return x.clone().polygamma_(1)


def make_inputs():
    torch.manual_seed(0)
    return (torch.rand(4) + 0.5,)
