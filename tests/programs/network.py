import socket

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
        return x


def make_inputs():
    return (torch.randn(2),)
