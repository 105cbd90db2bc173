import sys

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        sys.exit(3)
        return x


def make_inputs():
    return (torch.randn(2),)
