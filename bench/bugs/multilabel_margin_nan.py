"""F.multilabel_margin_loss where a margin term is inf - inf: eager's kernel adds a term
only when it is > 0, so the NaN term drops out (loss 0 here); the decomposition's
z.clamp_min(0) keeps it (NaN) under every backend from aot_eager. The same mechanism as
multi_margin_nan, in its sibling loss (multilabel_margin_loss_forward in
torch/_decomp/decompositions.py). Found by the 20-minute targets run of 2026-12-06 (through
polygamma's inf at integers); 2.13 and 2.15; the public issues on this decomposition are
about -1 padding (#141017, #185464), not this."""

import torch
import torch.nn.functional as F


class Model(torch.nn.Module):
    def forward(self, x, t):
        return F.multilabel_margin_loss(x, t)


def make_inputs():
    x = torch.tensor([[float("inf"), float("inf"), 0.5]])
    return (x, torch.tensor([[0, -1, 1]]))
