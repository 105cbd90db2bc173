"""A real bug beside a hazard: compiled returns 0 for a row-wise amin over uint8 rows of
16 (eager and float64: the true minimum), while the argmin next to it has ties."""

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return x.amin(dim=1), x.argmin(dim=1)


def make_inputs():
    torch.manual_seed(0)
    return (torch.randint(1, 10, (3, 16), dtype=torch.uint8),)
