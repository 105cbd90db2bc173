"""mul_ by a float on an int8 tensor: eager refuses to write the float product into int8,
compiled (from aot_eager, the in-place rewrite) returns. Found by fuel's sibling sweep of
logit_int8 (torch 2.15)."""

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return x.to(torch.int8).mul_(2.5)


def make_inputs():
    return (torch.tensor([1.0, 2.0]),)
