import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return torch.argmin(x, dim=1)


x = torch.tensor(
    [[5, 1, 100, 3, 7, 8, 9, 13, 101, 120, 127, 2, 6, 4, 11, 12, 90, 80]] * 2,
    dtype=torch.uint8,
).cuda()
