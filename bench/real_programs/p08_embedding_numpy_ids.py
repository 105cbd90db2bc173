import numpy as np
import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(50, 16)
        self.head = torch.nn.Linear(16, 3)

    def forward(self, ids):
        return self.head(self.embed(ids).mean(dim=1))


ids = torch.tensor(np.arange(24).reshape(4, 6) % 50, dtype=torch.long)
inputs = [ids]
