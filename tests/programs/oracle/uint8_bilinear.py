"""An eager bug, not a compile bug: eager's uint8 bilinear interpolation rounds after
each of its two passes, so it is off by one where the interpolation, computed in float64
and rounded once as torch's decomposition specifies, agrees with compiled. The float64
reference cannot tell: it runs eager's uint8 kernel again."""

import torch


class Model(torch.nn.Module):
    def forward(self, image):
        return torch.nn.functional.interpolate(image, size=(7, 5), mode="bilinear")


def make_inputs():
    g = torch.Generator().manual_seed(0)
    return (torch.randint(0, 256, (1, 3, 9, 6), generator=g, dtype=torch.uint8),)
