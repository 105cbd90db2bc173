import torch


class Model(torch.nn.Module):
    def forward(self, pixels):
        darkest = torch.amin(pixels, dim=1)
        where = torch.argmin(pixels, dim=1)
        return darkest, where


row = [9, 4, 4, 200, 31, 17, 4, 88, 120, 64, 250, 7, 19, 4, 66, 90, 12, 45]
pixels = torch.tensor([row, row[::-1], [x + 1 for x in row]], dtype=torch.uint8)
