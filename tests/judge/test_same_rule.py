"""fuel's mirror of ``torch._dynamo.utils.same(ref, res, fp64_ref)`` agrees with it."""

from __future__ import annotations

import pytest
import torch

from fuel.judge.compare import same_flags

CASES = [  # (dtype, shape, relative noise of eager, of compiled)
    (torch.float32, (10,), 1e-7, 3e-7),
    (torch.float32, (10,), 1e-7, 1e-3),
    (torch.float32, (2000,), 1e-6, 2.5e-6),
    (torch.float32, (2000,), 1e-5, 2.5e-5),  # flagged: multiplier 2 for 1000+ elements
    (torch.float32, (500,), 1e-5, 2.5e-5),  # passes: 3 for fewer
    (torch.float32, (4, 300, 1, 1), 1e-5, 2.5e-5),  # passes: 3 for 1×1 maps
    (torch.float32, (4, 300, 1, 1), 1e-5, 4e-5),
    (torch.bfloat16, (2000,), 4e-3, 1e-2),
    (torch.bfloat16, (2000,), 4e-3, 2e-2),
    (torch.float16, (3000,), 5e-4, 1e-3),
    (torch.float16, (3000,), 5e-4, 4e-3),
    (torch.float64, (50,), 0.0, 1e-3),
]


@pytest.mark.parametrize(("dtype", "shape", "eager_noise", "compiled_noise"), CASES)
def test_same_mirror_agrees_with_torch(
    dtype: torch.dtype, shape: tuple[int, ...], eager_noise: float, compiled_noise: float
) -> None:
    from torch._dynamo.utils import same

    generator = torch.Generator().manual_seed(7)
    reference = torch.randn(shape, generator=generator, dtype=torch.float64) * 10
    noise = torch.randn(shape, generator=generator, dtype=torch.float64)
    eager = (reference * (1 + eager_noise * noise)).to(dtype)
    compiled = (reference * (1 - compiled_noise * noise)).to(dtype)
    ours = same_flags(eager.double().flatten(), compiled.double().flatten(),
                      reference.flatten(), dtype, shape)  # fmt: skip
    theirs = not same(eager, compiled, reference, log_error=lambda *args: None)
    assert ours == theirs
