"""A program the static check rejects: it tries to read a file with open()."""
import torch


class Model(torch.nn.Module):
    def forward(self, x):
        with open("/etc/hostname") as handle:
            return x + len(handle.read())


def make_inputs():
    return (torch.randn(2),)
