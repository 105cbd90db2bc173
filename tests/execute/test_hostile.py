"""Hostile programs against real warm workers, with the static check on and with
``--allow-unsafe`` (the sandbox alone): each gets a verdict, nothing outside the
worker's directory changes (the file is not there, the listener saw no connection),
and the pool serves the next program normally. These really compile (marked slow)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuel.errors import Rejected
from fuel.execute.pool import PoolSettings, WorkerPool
from fuel.execute.records import CompileOptions, Phase
from fuel.judge.judge import judge
from fuel.judge.verdict import Outcome, Verdict
from fuel.program import load_file, load_source

pytestmark = pytest.mark.slow

VALID = Path(__file__).parents[2] / "examples" / "valid_make_inputs.py"
OPTIONS = CompileOptions()
TEMPLATE = """
import torch
{imports}

class Model(torch.nn.Module):
    def forward(self, x):
{body}
        return x + 1

def make_inputs():
    return (torch.randn(4),)
"""
# name -> (imports, forward body); {target} is a path outside, {port} the listener's port.
HOSTILE = {
    "python write": ("", "open({target!r}, 'w').write('escaped')"),
    "native write": ("", "torch.from_file({target!r}, shared=True, size=16).fill_(1)"),
    "ctypes open": (
        "import ctypes, os",
        "ctypes.CDLL(None).open({target!r}.encode(), os.O_CREAT | os.O_WRONLY, 0o600)",
    ),
    "pythonapi open": (
        "import ctypes, os",
        "ctypes.pythonapi.open({target!r}.encode(), os.O_CREAT | os.O_WRONLY, 0o600)",
    ),
    "torch.save": ("", "torch.save(x, {target!r})"),
    "fork loop": ("import os", "[os.fork() for _ in range(64)]"),
    "subprocess": ("import subprocess", "subprocess.run(['touch', {target!r}])"),
    "socket": (
        "import socket",
        "socket.create_connection(('127.0.0.1', {port}), timeout=2).send(b'escaped')",
    ),
    "hub download": ("", "torch.hub.load('pytorch/vision', 'resnet18')"),
    "kill the pool": ("import os", "os.kill(os.getppid(), 9)"),
}
NATIVE = {"native write", "torch.save"}  # only Landlock stops these without the check


def has_landlock() -> bool:
    from fuel.execute import landlock

    try:
        return landlock.abi_version() > 0
    except landlock.LandlockUnavailable:
        return False


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    settings = PoolSettings(workers=1, timeout_s=60, memory_mb=3072)
    with WorkerPool(settings) as started:
        started.wait_ready()
        yield started


@pytest.fixture()
def listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.2)
    yield server
    server.close()


def check_source(pool: WorkerPool, source: str, *, static_check: bool) -> Verdict:
    try:
        spec = load_source(source, "hostile", allow_unsafe=not static_check)
    except Rejected as rejected:
        return Verdict(Outcome.REJECTED, detail=rejected.reason)
    return judge(pool.run(spec, OPTIONS), OPTIONS)


@pytest.mark.parametrize("static_check", [True, False], ids=["static-check", "sandbox-alone"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_program_is_contained(
    pool: WorkerPool, listener: socket.socket, tmp_path: Path, name: str, static_check: bool
) -> None:
    if name in NATIVE and not static_check and not has_landlock():
        pytest.skip("without Landlock nothing stops a native write")
    target = tmp_path / "escape.bin"
    imports, body = HOSTILE[name]
    port = listener.getsockname()[1]
    source = TEMPLATE.format(
        imports=imports, body="        " + body.format(target=str(target), port=port)
    )
    verdict = check_source(pool, source, static_check=static_check)
    assert verdict.outcome is Outcome.REJECTED, verdict
    assert verdict.detail.startswith(("static check", "sandbox refused")), verdict.detail
    assert not target.exists()
    with pytest.raises(TimeoutError):
        listener.accept()
    assert judge(pool.run(load_file(VALID), OPTIONS), OPTIONS).outcome is Outcome.PASS


def test_sandbox_alone_names_the_refusal(pool: WorkerPool, tmp_path: Path) -> None:
    imports, body = HOSTILE["fork loop"]
    source = TEMPLATE.format(imports=imports, body="        " + body)
    verdict = check_source(pool, source, static_check=False)
    assert verdict.outcome is Outcome.REJECTED and "sandbox refused os.fork" in verdict.detail


def test_worker_reports_landlock_among_its_layers(pool: WorkerPool) -> None:
    if not has_landlock():
        pytest.skip("this kernel has no Landlock")
    assert any(layer.startswith("landlock ABI") for layer in pool.wait_ready().sandbox_layers)


LEAKY = """
import os
import torch
from torch._inductor import config

torch.set_default_dtype(torch.float64)
torch.set_grad_enabled(False)
torch.set_default_device("meta")
torch.set_default_device(None)
torch.use_deterministic_algorithms(True)
config.max_autotune_pointwise = True
os.environ["TORCHINDUCTOR_FUEL_LEAK"] = "1"
os.environ["TORCHINDUCTOR_CACHE_DIR"] = "/nowhere"

class Model(torch.nn.Module):
    def forward(self, x):
        torch.set_float32_matmul_precision("medium")
        return x * 2

x = torch.randn(3)
"""
PROBE = """
import os
import torch
from torch._inductor import config

SEEN = [
    torch.get_default_dtype() == torch.float32,
    torch.is_grad_enabled(),
    not torch.are_deterministic_algorithms_enabled(),
    config.max_autotune_pointwise is False,
    "TORCHINDUCTOR_FUEL_LEAK" not in os.environ,
    os.environ["TORCHINDUCTOR_CACHE_DIR"] != "/nowhere",
    torch.get_float32_matmul_precision() == "highest",
    "FUEL_TEST_API_KEY" not in os.environ,
]

class Model(torch.nn.Module):
    def forward(self, x):
        return x + torch.tensor(SEEN, dtype=torch.float32)

x = torch.zeros(len(SEEN))
"""


def test_settings_do_not_leak_into_the_next_program_on_a_warm_worker() -> None:
    os.environ["FUEL_TEST_API_KEY"] = "must not reach workers"
    try:
        with WorkerPool(PoolSettings(workers=1, timeout_s=120)) as single:
            leaky = single.run(load_source(LEAKY, "leaky"), OPTIONS)
            assert judge(leaky, OPTIONS).outcome is Outcome.PASS
            probe = single.run(load_source(PROBE, "probe"), OPTIONS)
    finally:
        del os.environ["FUEL_TEST_API_KEY"]
    assert leaky.worker_pid == probe.worker_pid
    eager = probe.outcome(Phase.EAGER)
    assert eager is not None and eager.ok, probe
    assert eager.outputs[0].tolist() == [1.0] * 8


CUDA_FUEL_STYLE = """
import torch
from torch._inductor import config
config.fallback_random = True
torch.set_grad_enabled(False)

class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)
    def forward(self, x):
        return self.lin(x).relu()

model = Model().cuda().eval()
x = torch.randn(2, 4, device="cuda")
inputs = [x]
"""


def test_a_cuda_program_runs_on_the_cpu_and_the_verdict_says_so(pool: WorkerPool) -> None:
    spec = load_source(CUDA_FUEL_STYLE, "cuda_program")
    verdict = judge(pool.run(spec, OPTIONS), OPTIONS)
    assert verdict.outcome is Outcome.PASS, verdict
    assert any("config.fallback_random = True" in note for note in verdict.notes)
    assert any(note.startswith("ran on cpu") for note in verdict.notes)


@pytest.mark.parametrize("simdlen", [1, 256])
def test_a_compile_that_needs_a_new_precompiled_header_is_not_refused(
    pool: WorkerPool, simdlen: int
) -> None:
    options = CompileOptions(config=(("inductor.cpp.simdlen", simdlen),))
    spec = load_file(VALID)
    verdict = judge(pool.run(spec, options), options)
    assert verdict.outcome is Outcome.PASS, verdict
