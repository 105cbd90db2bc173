"""F.multi_margin_loss with a NaN in a non-target column: eager skips the NaN term
(its kernel adds a term only when it is > 0), the decomposition's clamp_min(0) keeps it:
NaN under every backend from aot_eager (torch 2.15)."""
import torch
import torch.nn.functional as F


class Model(torch.nn.Module):
    def forward(self, x, t):
        return F.multi_margin_loss(x, t, reduction="none")


def make_inputs():
    x = torch.tensor([[float("nan"), 0.5, 0.2, 0.1], [0.3, 0.2, 0.1, 0.9]])
    return x, torch.tensor([1, 3])
