"""The worker's memory limit bounds memory a program uses, not address space, and each
phase's peak is measured: real processes, real allocations."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuel.execute.pool import PoolSettings, WorkerPool
from fuel.execute.records import CompileOptions, Phase
from fuel.judge.judge import judge
from fuel.judge.verdict import Kind, Outcome
from fuel.program import load_source

ROOT = Path(__file__).parents[2]


def run_python(code: str) -> str:
    """``code`` in a fresh interpreter (a limit set there stays there); its stdout."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_limit_refuses_an_allocation_past_it_but_not_address_space() -> None:
    out = run_python("""
        import mmap
        from fuel.execute import memory
        cap = memory.limit(256)
        kept = bytearray(128 * 1024 * 1024)  # within the limit
        reserved = mmap.mmap(-1, 16 << 30, prot=mmap.PROT_READ)  # 16 GiB of address space
        try:
            bytearray(512 * 1024 * 1024)
            print("allocated past the limit")
        except MemoryError:
            print("refused", cap > 256)
    """)
    assert out.split() == ["refused", "True"]


def test_the_meter_measures_a_phase_s_peak_above_its_start() -> None:
    out = run_python("""
        from fuel.execute import memory
        assert memory.watch()
        memory.phase_started()
        block = bytearray(200 * 1024 * 1024)  # written: resident
        del block
        print(memory.phase_peak_mb())
        memory.phase_started()
        print(memory.phase_peak_mb())
    """)
    first, second = map(float, out.split())
    assert 190 <= first <= 260, first
    assert second < 20, second


def test_no_meter_means_not_measured() -> None:
    out = run_python("""
        from fuel.execute import memory
        memory.phase_started()
        print(memory.phase_peak_mb())
    """)
    assert out.strip() == "None"


ALLOCATES = """
import torch

class Model(torch.nn.Module):
    def forward(self, x):
        big = torch.ones({size}, dtype=torch.float32)  # written: resident
        return x + big.sum()

def make_inputs():
    return (torch.ones(3),)
"""
EAGER_ONLY = CompileOptions(eager_only=True)


@pytest.fixture(scope="module")
def small_pool() -> Iterator[WorkerPool]:
    with WorkerPool(PoolSettings(workers=1, timeout_s=60, memory_mb=512)) as pool:
        pool.wait_ready()
        yield pool


def test_a_worker_measures_each_phase_and_knows_its_limit(small_pool: WorkerPool) -> None:
    program = load_source(ALLOCATES.format(size=50_000_000), "alloc.py")  # 200 MB
    result = small_pool.run(program, EAGER_ONLY)
    assert judge(result, EAGER_ONLY).outcome is Outcome.PASS
    eager = result.outcome(Phase.EAGER)
    assert eager is not None and eager.peak_mb is not None
    assert 180 <= eager.peak_mb <= 400, eager.peak_mb
    assert result.memory_limit_mb == 512


def test_a_program_past_the_limit_is_out_of_memory_in_eager(small_pool: WorkerPool) -> None:
    program = load_source(ALLOCATES.format(size=400_000_000), "bomb.py")  # 1.6 GB
    verdict = judge(small_pool.run(program, EAGER_ONLY), EAGER_ONLY)
    assert verdict.outcome is Outcome.INVALID and verdict.kind is Kind.OOM, verdict
