"""logit_ on an int8 tensor: eager refuses to write its float result into int8, compiled
(from aot_eager, the in-place rewrite) returns (torch 2.15)."""
import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return x.to(torch.int8).logit_()


def make_inputs():
    return (torch.tensor([1.0, 2.0]),)
