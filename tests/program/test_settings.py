"""Compiler settings a program makes are found statically, in the forms people write."""

from __future__ import annotations

from fuel.program import load_source
from fuel.program.record import SettingKind

FUEL_HEADER = """
import os
import torch
from torch._inductor import config
import torch._dynamo.config as dynamo_config

config.fallback_random = True
config.triton.cudagraphs = False
torch._functorch.config.donated_buffer = False
dynamo_config.cache_size_limit = 8
os.environ["TORCHINDUCTOR_FREEZING"] = "1"
os.environ.setdefault("TORCHDYNAMO_VERBOSE", "0")
os.environ["CUDA_VISIBLE_DEVICES"] = "0"
torch.set_grad_enabled(False)

class Model(torch.nn.Module):
    def forward(self, x):
        return x.sin()

x = torch.randn(3)

if __name__ == "__main__":
    import copy
    torch._inductor.config.max_autotune = True
    print(torch.compile(copy.deepcopy(Model()))(x))
"""


def test_config_and_environment_settings_are_recorded_in_order() -> None:
    spec = load_source(FUEL_HEADER)
    found = [(s.kind, s.name, s.value) for s in spec.settings]
    assert found == [
        (SettingKind.CONFIG, "torch._inductor.config.fallback_random", "True"),
        (SettingKind.CONFIG, "torch._inductor.config.triton.cudagraphs", "False"),
        (SettingKind.CONFIG, "torch._functorch.config.donated_buffer", "False"),
        (SettingKind.CONFIG, "torch._dynamo.config.cache_size_limit", "8"),
        (SettingKind.ENVIRONMENT, "TORCHINDUCTOR_FREEZING", "'1'"),
        (SettingKind.ENVIRONMENT, "TORCHDYNAMO_VERBOSE", "'0'"),
        (SettingKind.CONFIG, "torch._inductor.config.max_autotune", "True"),
    ]
    assert spec.settings[-1].line == 24


def test_settings_are_named_in_the_notes() -> None:
    notes = load_source(FUEL_HEADER).notes()
    assert len(notes) == 1
    assert "torch._inductor.config.fallback_random = True" in notes[0]
    assert "TORCHINDUCTOR_FREEZING='1'" in notes[0]


def test_a_program_without_settings_has_no_notes() -> None:
    source = (
        "import torch\nclass Model(torch.nn.Module):\n    def forward(self, x):\n"
        "        return x\nx = torch.randn(2)\n"
    )
    spec = load_source(source)
    assert spec.settings == () and spec.notes() == ()
