# A real bug: float floor division off by one under Inductor (eager and Python: 9.0).
import os

import torch
from torch._inductor import config

config.fallback_random = True
torch.set_grad_enabled(False)


class Model(torch.nn.Module):
    def forward(self, a, b):
        return torch.floor_divide(a, b)


model = Model().eval()
a = torch.tensor([1.0, 0.5, 6.0, 7.0])
b = torch.tensor([0.1, 0.1, 0.2, 0.7])
inputs = [a, b]
