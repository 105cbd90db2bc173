"""Not a bug upstream: compiled skips the bfloat16 rounding between two multiplications,
which torch._inductor.config.emulate_precision_casts = True restores.

The factors are tensors, not Python scalars: under emulation torch 2.15's C++ kernels
round a scalar factor to bfloat16 where eager keeps it in float (compare pytorch#136896),
so with scalars the mismatch would survive emulation there."""

import torch


class Model(torch.nn.Module):
    def forward(self, x, a, b):
        y = (x.to(torch.bfloat16) * a.to(torch.bfloat16)) * b.to(torch.bfloat16)
        return y.float()


def make_inputs():
    torch.manual_seed(0)
    return (torch.randn(64), torch.full((64,), 1.1), torch.full((64,), 3.3))
