import torch
import torch.nn.functional as F
from torch._inductor import config

config.fallback_random = True


class Model(torch.nn.Module):
    def forward(self, x):
        return F.dropout(x, p=0.3, training=True) + x.sin()


x = torch.randn(8, 8)
inputs = [x]
