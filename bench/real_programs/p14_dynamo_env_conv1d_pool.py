import os
import sys

os.environ.setdefault("TORCHDYNAMO_VERBOSE", "0")

import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(4, 6, kernel_size=5, padding=2)
        self.pool = torch.nn.MaxPool1d(2)

    def forward(self, signal):
        return self.pool(torch.relu(self.conv(signal)))


signal = torch.randn(2, 4, 32)

if __name__ == "__main__":
    if len(sys.argv) > 1:
        torch._dynamo.config.verbose = True
    print(torch.compile(Model())(signal).shape)
