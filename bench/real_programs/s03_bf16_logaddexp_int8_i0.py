import torch
from torch._inductor import config

config.fallback_random = True
torch.set_grad_enabled(False)


class Model(torch.nn.Module):
    def forward(self, a, b):
        soft = torch.logaddexp(a * 1.1, b - 0.3)
        return torch.special.i0(soft.to(torch.int8))


a = torch.tensor([-7.875, -7.1875, -6.90625, -4.3125, 1.0, 2.5], dtype=torch.bfloat16)
b = torch.tensor([-6.875, -7.1875, -5.90625, -4.3125, 0.5, 2.0], dtype=torch.bfloat16)
inputs = [a, b]
