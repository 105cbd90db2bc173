import torch
import torch.nn as nn


class Model(nn.Module):
    """Buckets values into bins of width 0.1 with rounding_mode='floor'."""

    def __init__(self):
        super().__init__()
        self.width = 0.1

    def forward(self, values):
        bins = torch.div(values, torch.full_like(values, self.width), rounding_mode="floor")
        return bins.long()


values = torch.tensor([1.0, 0.5, 0.3, 2.0, 0.25])

if __name__ == "__main__":
    import copy

    m = Model()
    print(m(values), torch.compile(copy.deepcopy(m))(values))
