"""F.adaptive_max_pool1d with return_indices, windows that do not divide the input (16
into 3): where a window holds a NaN, eager's value and index are the NaN's; Inductor's
value is NaN but its index is that of the largest other element. Its lowering picks the
index with `val > maxval`, false for a NaN, while the value propagates the NaN
(_adaptive_pooling_fn_with_idx in torch/_inductor/lowering.py). Found by this session's
fresh-yield campaign (baseline arm); shows on 2.13.0 and 2.15.0; no public issue found."""

import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return torch.nn.functional.adaptive_max_pool1d(x, 3, return_indices=True)[1]


def make_inputs():
    values = torch.arange(16, dtype=torch.float32) / 10
    values[6] = float("nan")
    return (values.reshape(1, 1, 16),)
