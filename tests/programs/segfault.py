import ctypes

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        ctypes.string_at(0)  # reads address 0: SIGSEGV
        return x


def make_inputs():
    return (torch.randn(2),)
