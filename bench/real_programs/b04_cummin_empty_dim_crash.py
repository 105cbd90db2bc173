import torch


class Model(torch.nn.Module):
    def forward(self, n):
        window = torch.bartlett_window(0, periodic=False)
        return torch.cummin(window.clone(), -46)[0] + n


n = torch.zeros(1)
