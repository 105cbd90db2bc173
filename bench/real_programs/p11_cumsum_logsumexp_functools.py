import functools
import operator

import torch


class Model(torch.nn.Module):
    def forward(self, x, y):
        total = functools.reduce(operator.add, [x, y, x * y])
        return torch.cumsum(total, dim=1), torch.logsumexp(total, dim=-1)


x = torch.randn(4, 9)
y = torch.randn(4, 9)
