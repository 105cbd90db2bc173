"""Every forbidden construct is refused with a one-line reason; ordinary programs pass."""

from __future__ import annotations

import pytest

from fuel.errors import Rejected
from fuel.program import load_source

BODY = """
class Model(torch.nn.Module):
    def forward(self, x):
        return {expr}

def make_inputs():
    return (torch.randn(2),)
"""


def program(expr: str = "x + 1", header: str = "import torch") -> str:
    return header + "\n" + BODY.format(expr=expr)


FORBIDDEN = {
    "import os": program(header="import torch\nimport os"),
    "import sys": program(header="import torch\nimport sys"),
    "import subprocess": program(header="import torch\nimport subprocess"),
    "import socket": program(header="import torch\nimport socket"),
    "import shutil": program(header="import torch\nimport shutil"),
    "from pathlib": program(header="import torch\nfrom pathlib import Path"),
    "import ctypes": program(header="import torch\nimport ctypes"),
    "import importlib": program(header="import torch\nimport importlib"),
    "import builtins": program(header="import torch\nimport builtins"),
    "os via alias": program(header="import torch\nimport os.path as p"),
    "relative import": program(header="import torch\nfrom . import helper"),
    "star import": program(header="import torch\nfrom torch import *"),
    "open": program("open('/etc/passwd').read()"),
    "eval": program("eval('x')"),
    "exec": program("exec('y = 1') or x"),
    "compile": program("compile('1', 'f', 'eval') and x"),
    "__import__": program("__import__('os').getcwd() and x"),
    "globals": program("globals() and x"),
    "locals": program("locals() and x"),
    "vars": program("vars() and x"),
    "breakpoint": program("breakpoint() or x"),
    "exit": program("exit(1)"),
    "dunder class": program("x.__class__.__mro__"),
    "dunder subclasses": program("().__class__.__bases__[0].__subclasses__()"),
    "dunder globals": program("self.forward.__globals__"),
    "__builtins__": program("__builtins__"),
    "getattr computed": program("getattr(torch, 'lo' + 'ad')(x)"),
    "getattr dunder": program("getattr(x, '__class__')"),
    "getattr forbidden": program("getattr(torch, 'save')(x, 'f.pt')"),
    "torch.save": program("torch.save(x, 'f.pt') or x"),
    "torch.load": program("torch.load('f.pt')"),
    "from torch import load": program(header="import torch\nfrom torch import load"),
    "torch.hub": program("torch.hub.list('x')"),
    "import torch.hub": program(header="import torch\nimport torch.hub"),
    "cpp_extension": program(header="import torch\nfrom torch.utils import cpp_extension"),
    "cpp_extension attr": program("torch.utils.cpp_extension.load_inline('m', '')"),
    "ops.load_library": program("torch.ops.load_library('/tmp/x.so') or x"),
    "classes.load_library": program("torch.classes.load_library('/tmp/x.so') or x"),
    "torch.jit.save": program("torch.jit.save(self, 'm.pt') or x"),
    "torch.from_file": program("torch.from_file('/etc/passwd', size=4)"),
    "torch._C": program("torch._C._get_tracing_state() or x"),
    "torch.multiprocessing": program(header="import torch\nimport torch.multiprocessing"),
    "torch.distributed": program("torch.distributed.is_available() and x"),
    "torch.utils.data": program("torch.utils.data.DataLoader([x])"),
    "torch.onnx": program("torch.onnx.export(self, (x,), 'm.onnx')"),
    "torch.profiler": program("torch.profiler.profile() and x"),
    "inductor internals": program(header="import torch\nimport torch._inductor.cpp_builder"),
    "numpy.load": program("torch.from_numpy(numpy.load('f.npy'))", "import torch\nimport numpy"),
    "numpy tofile": program("x.numpy().tofile('f.bin') or x"),
    "numpy ctypeslib": program(header="import torch\nimport numpy.ctypeslib"),
}


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_forbidden_construct_is_rejected_with_one_line(name: str) -> None:
    with pytest.raises(Rejected) as caught:
        load_source(FORBIDDEN[name])
    reason = caught.value.reason
    assert reason.startswith("static check: ")
    assert "\n" not in reason
    assert "(line " in reason


@pytest.mark.parametrize(
    "header,expr",
    [
        ("import torch", "x + 1"),
        ("import torch\nimport math", "x * math.pi"),
        ("import torch\nimport numpy as np", "x + float(np.float32(2.0))"),
        ("import torch\nimport torch.nn.functional as F", "F.relu(x)"),
        ("import torch\nfrom typing import List", "x"),
        ("import torch\nimport torch._dynamo", "x.sin()"),
        ("import torch\nimport torch._inductor.config", "x.cos()"),
        ("import torch", "torch.ops.aten.add.Tensor(x, x)"),
        ("import torch", "getattr(torch, 'sin')(x)"),
    ],
)
def test_ordinary_program_passes(header: str, expr: str) -> None:
    spec = load_source(program(expr, header))
    assert spec.model_class == "Model"


def test_allow_unsafe_skips_the_static_check() -> None:
    spec = load_source(program(header="import torch\nimport os"), allow_unsafe=True)
    assert spec.model_class == "Model"


def test_super_init_and_name_main_are_allowed() -> None:
    source = """
import torch
class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 2)
    def forward(self, x):
        return self.lin(x)
x = torch.randn(1, 2)
if __name__ == "__main__":
    print(Model()(x))
"""
    assert load_source(source).input_names == ("x",)


def test_inductor_config_is_open_but_its_other_modules_are_not() -> None:
    allowed = program(
        "x.cos()",
        "import torch\nimport torch._inductor.config\n"
        "torch._inductor.config.fallback_random = True",
    )
    assert load_source(allowed).model_class == "Model"
    with pytest.raises(Rejected):
        load_source(program("torch._inductor.cpp_builder.run_compile_cmd('ls', '.') or x"))
