import torch


class Model(torch.nn.Module):
    def forward(self, scores):
        return torch.argmax(torch.round(scores), dim=-1)


scores = torch.tensor([[0.9, 1.1, 0.2, 1.0], [2.0, 1.6, 1.9, 0.1]] * 4)
