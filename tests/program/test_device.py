"""Programs that ask for another device are moved to fuel's by a small recorded edit."""

from __future__ import annotations

import ast

from fuel.program import load_source
from fuel.program.device import retarget

CUDA_PROGRAM = """import torch  # a comment that stays

class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)

    def forward(self, x):
        mask = torch.ones(4, device="cuda:0")
        return self.lin(x) * mask

device = torch.device("cuda")
model = Model().cuda().eval()
x = torch.randn(2, 4).to(device)
y = torch.randn(2, 4).cuda(non_blocking=True)
label = f"cuda{1}"
"""


def test_cuda_requests_become_the_target_device_and_nothing_else_moves() -> None:
    source, edits = retarget(CUDA_PROGRAM, ast.parse(CUDA_PROGRAM), "cpu")
    assert 'device="cuda:0"' not in source and "device='cpu'" in source
    assert 'torch.device("cuda")' not in source and "torch.device('cpu')" in source
    assert "Model().to('cpu').eval()" in source
    assert "torch.randn(2, 4).to('cpu')\n" in source
    assert "# a comment that stays" in source
    assert 'f"cuda{1}"' in source  # not a device literal
    assert [e.line for e in edits] == [9, 12, 13, 15]
    ast.parse(source)


def test_nothing_changes_when_the_program_already_targets_the_device() -> None:
    source, edits = retarget(CUDA_PROGRAM, ast.parse(CUDA_PROGRAM), "cuda")
    assert source == CUDA_PROGRAM and edits == ()


def test_nested_requests_are_one_edit() -> None:
    text = "import torch\nx = torch.randn(2).cuda(torch.device('cuda'))\n"
    source, edits = retarget(text, ast.parse(text), "cpu")
    assert source == "import torch\nx = torch.randn(2).to('cpu')\n"
    assert len(edits) == 1


def test_the_loader_records_the_move_and_uses_the_module_level_instance() -> None:
    spec = load_source(CUDA_PROGRAM)
    assert spec.model_instance == "model"
    assert spec.device == "cpu" and len(spec.device_edits) == 4
    assert ".cuda(" not in spec.program.source
    (note,) = spec.notes()
    assert note.startswith("ran on cpu, not as the program asks") and "line 9, 12, 13, 15" in note
