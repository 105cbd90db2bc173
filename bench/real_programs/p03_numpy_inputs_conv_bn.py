import numpy as np
import torch
import torch.nn as nn

rng = np.random.RandomState(0)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, image):
        return torch.relu(self.bn(self.conv(image)))


image = torch.from_numpy(rng.standard_normal((2, 3, 16, 16)).astype(np.float32))
