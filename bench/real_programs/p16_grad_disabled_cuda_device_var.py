import torch

device = "cuda:0" if torch.cuda.is_available() else "cuda"
torch.set_grad_enabled(False)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("offset", torch.linspace(-1, 1, 6, device=device))

    def forward(self, x):
        return torch.clamp(x + self.offset, min=-0.5, max=0.5).abs().cumprod(dim=-1)


model = Model().to(device)
x = torch.randn(3, 6, device=device)
inputs = [x]
