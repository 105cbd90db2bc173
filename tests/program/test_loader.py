"""The loader finds the model and the inputs in every accepted shape, or says why not."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuel.errors import Rejected
from fuel.program import InputStyle, load_file, load_source

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_make_inputs_style() -> None:
    spec = load_file(EXAMPLES / "valid_make_inputs.py")
    assert spec.input_style is InputStyle.MAKE_INPUTS
    assert spec.model_class == "Model"
    assert spec.forward_params == ("x",)


def test_inputs_list_style() -> None:
    spec = load_file(EXAMPLES / "valid_inputs_list.py")
    assert spec.input_style is InputStyle.INPUTS_LIST
    assert spec.input_names == ("inputs",)


def test_bare_tensors_matched_by_forward_parameter_names() -> None:
    source = """
import torch
class Net(torch.nn.Module):
    def forward(self, b, a):
        return a - b
a = torch.randn(3)
b = torch.randn(3)
"""
    spec = load_source(source)
    assert spec.model_class == "Net"
    assert spec.input_style is InputStyle.BARE_TENSORS
    assert spec.input_names == ("b", "a")


def test_bare_tensors_in_definition_order_when_names_differ() -> None:
    source = """
import torch
class Model(torch.nn.Module):
    def forward(self, p, q):
        return p + q
first = torch.randn(3)
second = torch.ones(3).t()
"""
    assert load_source(source).input_names == ("first", "second")


def test_only_module_not_used_by_another_is_the_model() -> None:
    source = """
import torch
class Block(torch.nn.Module):
    def forward(self, x):
        return x * 2
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
    def forward(self, x):
        return self.block(x)
def make_inputs():
    return [torch.randn(2)]
"""
    assert load_source(source).model_class == "Net"


def test_module_level_instance_when_init_needs_arguments() -> None:
    source = """
import torch
class Model(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.lin = torch.nn.Linear(width, width)
    def forward(self, x):
        return self.lin(x)
model = Model(4)
x = torch.randn(2, 4)
"""
    spec = load_source(source)
    assert spec.model_instance == "model"
    assert spec.input_names == ("x",)


def test_make_model_factory() -> None:
    source = """
import torch
class Model(torch.nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
    def forward(self, x):
        return x * self.k
def make_model():
    return Model(3)
def make_inputs():
    return (torch.randn(2),)
"""
    assert load_source(source).model_factory == "make_model"


@pytest.mark.parametrize(
    "source,reason",
    [
        ("import torch\nclass Model(torch.nn.Module)\n", "syntax error"),
        ("import torch\nx = torch.randn(2)\n", "no torch.nn.Module subclass"),
        (
            "import torch\nclass Model(torch.nn.Module):\n    def forward(self, x):\n"
            "        return x\n",
            "no inputs",
        ),
        (
            "import torch\nclass A(torch.nn.Module):\n    def forward(self, x):\n        return x\n"
            "class B(torch.nn.Module):\n    def forward(self, x):\n        return x\n"
            "x = torch.randn(2)\n",
            "several Module subclasses",
        ),
        (
            "import torch\nclass Model(torch.nn.Module):\n    def __init__(self, n):\n"
            "        super().__init__()\n    def forward(self, x):\n        return x\n"
            "x = torch.randn(2)\n",
            "needs arguments",
        ),
        ("import torch\nclass Model(torch.nn.Module):\n    pass\nx = torch.randn(2)\n", "forward"),
    ],
)
def test_unusable_program_gets_one_clear_line(source: str, reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        load_source(source)
    assert reason in caught.value.reason
    assert "\n" not in caught.value.reason


def test_unreadable_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "binary.py"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(Rejected):
        load_file(path)


def test_bare_tensor_built_by_arithmetic() -> None:
    source = """
import torch
class Model(torch.nn.Module):
    def forward(self, x, y):
        return x / y
x = -torch.randn(4)
y = torch.rand(4) + 0.5
"""
    assert load_source(source).input_names == ("x", "y")
