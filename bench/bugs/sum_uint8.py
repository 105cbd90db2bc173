"""A generated-style program hiding a real torch 2.13 CPU Inductor bug: a full
sum of a uint8 tensor with dtype=torch.uint8 (well-defined wrap-around) is wrong."""

import torch


class Model(torch.nn.Module):
    def forward(self, x, y, w):
        a = torch.bitwise_and(x, 0x7F)
        b = a + y
        c = torch.bitwise_xor(b, x)
        s = c.sum(dtype=torch.uint8)
        t = c.to(torch.int32) * 3
        u = t.amax(dim=-1)
        v = torch.div(u, 7, rounding_mode="floor")
        z = s.to(torch.float32) * w + v.float().mean()
        m = torch.relu(z)
        return m, s, v


def make_inputs():
    x = torch.randint(0, 255, (4, 16), dtype=torch.uint8)
    y = torch.randint(0, 255, (4, 16), dtype=torch.uint8)
    w = torch.randn(3)
    return x, y, w
