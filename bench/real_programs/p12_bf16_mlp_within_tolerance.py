import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(64, 64)

    def forward(self, x):
        return torch.nn.functional.gelu(self.fc(x)) * 0.5


model = Model().to(torch.bfloat16).eval()
x = torch.randn(8, 64, dtype=torch.bfloat16)
