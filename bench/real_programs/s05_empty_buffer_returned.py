import torch


class Model(torch.nn.Module):
    def forward(self, x):
        scratch = torch.empty(x.shape[0], 3)
        scratch[:, 0] = x.sum(dim=1)
        return scratch


x = torch.randn(5, 4)
