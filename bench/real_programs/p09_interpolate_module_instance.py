import torch
import torch.nn.functional as F


class Model(torch.nn.Module):
    def __init__(self, scale, channels):
        super().__init__()
        self.scale = scale
        self.proj = torch.nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        up = F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=True)
        return self.proj(up)


model = Model(2, 4)
model.eval()
x = torch.randn(1, 4, 8, 8)
