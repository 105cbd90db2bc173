"""index_add with alpha on a bool tensor: eager ORs the scaled source in, the
decomposition's `tensor * alpha` turns it into int64 and never casts it back, so
index_put refuses it (torch 2.15: only backend aot_eager_decomp_partition shows it;
Inductor lowers index_add itself)."""

import torch


class Model(torch.nn.Module):
    def forward(self, x, index, source):
        return x.index_add(0, index, source, alpha=2)


def make_inputs():
    return torch.tensor([False, True, False]), torch.tensor([0, 2]), torch.tensor([True, False])
