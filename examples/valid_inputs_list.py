"""A valid program in the FUEL style: module-level tensors gathered in `inputs`.

The second input is transposed, so the compiled code sees a non-contiguous tensor.
"""
import torch


class Model(torch.nn.Module):
    def forward(self, a, b):
        scores = torch.matmul(a, b).softmax(dim=-1)
        return torch.where(scores > 0.1, scores, torch.zeros_like(scores)).cumsum(dim=0)


a = torch.randn(6, 5)
b = torch.randn(4, 5).t()
inputs = [a, b]
