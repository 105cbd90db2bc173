"""Behaves differently under any torch.compile backend: a stand-in bug for bisect tests."""

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_compiling():
            return x + 1
        return x


def make_inputs():
    return (torch.randn(4),)
