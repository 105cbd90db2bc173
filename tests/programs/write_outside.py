import torch


class Model(torch.nn.Module):
    def forward(self, x):
        with open("/tmp/fuel-sandbox-escape.txt", "w") as handle:
            handle.write("escaped")
        return x


def make_inputs():
    return (torch.randn(2),)
