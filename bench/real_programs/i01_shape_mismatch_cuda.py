import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(10, 6))

    def forward(self, x):
        # the author meant self.weight.t(): (4, 10) @ (10, 6)
        return x @ self.weight.t()


model = Model().cuda()
x = torch.randn(4, 10).cuda()
