import torch
import torch.nn.functional as F


class Model(torch.nn.Module):
    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.qkv = torch.nn.Linear(dim, 3 * dim)
        self.out = torch.nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).unbind(2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        attn = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(attn.transpose(1, 2).reshape(b, n, d))


model = Model().cuda().eval()
x = torch.randn(2, 10, 32, device="cuda")

if __name__ == "__main__":
    opt = torch.compile(model)
    print(torch.allclose(model(x), opt(x), atol=1e-4))
