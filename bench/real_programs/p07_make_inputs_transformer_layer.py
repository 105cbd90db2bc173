import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.TransformerEncoderLayer(
            d_model=32, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True
        )

    def forward(self, tokens):
        return self.layer(tokens)


def make_inputs():
    torch.manual_seed(1)
    return (torch.randn(3, 7, 32),)
