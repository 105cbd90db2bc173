import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, levels):
        return levels.amax(dim=-1), levels.to(torch.float32).mean(dim=-1)


levels = -torch.arange(3, 23, dtype=torch.int8).reshape(1, 20).repeat(2, 1)
inputs = [levels]
