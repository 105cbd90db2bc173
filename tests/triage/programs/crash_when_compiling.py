"""A stand-in crash with no component: under any torch.compile backend forward reshapes
its 4 elements to 3x5, which Dynamo's tracing already refuses."""

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_compiling():
            return x.reshape(3, 5)
        return x


def make_inputs():
    return (torch.randn(4),)
