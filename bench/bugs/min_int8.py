"""pytorch/pytorch#191499 (known upstream): min of 16 or more positive int8 elements is 0 compiled
(CPU Inductor's vectorised 8-bit reduction)."""
import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return x.min()


def make_inputs():
    return (torch.arange(5, 37, dtype=torch.int8),)
