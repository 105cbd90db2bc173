import os

os.environ["TORCHINDUCTOR_FREEZING"] = "1"

import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin1 = torch.nn.Linear(16, 32)
        self.lin2 = torch.nn.Linear(32, 8)

    def forward(self, x):
        return self.lin2(torch.relu(self.lin1(x))).softmax(dim=-1)


model = Model().eval()
x = torch.randn(5, 16)
torch.set_grad_enabled(False)
