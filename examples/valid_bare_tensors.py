"""A valid program with bare module-level tensors, matched to forward's parameters by name.

Integer arithmetic with rounding modes, a frequent source of compiler bugs.
"""
import torch


class Model(torch.nn.Module):
    def forward(self, x, y):
        q = torch.div(x, y, rounding_mode="floor")
        r = torch.remainder(x, y)
        return q * y + r


x = torch.randint(-50, 50, (8, 8), dtype=torch.int32)
y = torch.randint(1, 7, (8, 8), dtype=torch.int32)

if __name__ == "__main__":
    print(Model()(x, y))
