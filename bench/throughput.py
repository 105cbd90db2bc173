"""Throughput of the warm pool against a fresh interpreter per program.

The same 20 programs are checked (a) by the warm pool (one worker, so the two sides
use the same single core budget) and (b) by a fresh ``python`` per program running
the same phases in-process. Prints tests/min for both, their ratio, and the share of
the pool's wall time spent outside the eager, compiled and reference runs.

    python bench/throughput.py [--programs 20] [--jobs 1]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuel.execute.pool import PoolSettings, WorkerPool  # noqa: E402
from fuel.execute.records import CompileOptions  # noqa: E402
from fuel.judge.judge import judge  # noqa: E402
from fuel.program import load_file  # noqa: E402

BODIES = [
    "torch.relu(x) * 2 + 1",
    "torch.sin(x) + torch.cos(x)",
    "x.softmax(dim=-1)",
    "torch.tanh(x).sum(dim=0)",
    "(x * x).mean(dim=1, keepdim=True)",
    "torch.sigmoid(x) * x",
    "x.exp().log1p()",
    "torch.clamp(x, -0.5, 0.5).abs()",
    "x.transpose(0, 1).contiguous() + 1",
    "torch.cumsum(x, dim=1)",
    "torch.nn.functional.gelu(x)",
    "torch.nn.functional.layer_norm(x, x.shape[-1:])",
    "x @ x.t()",
    "torch.where(x > 0, x, x * 0.1)",
    "torch.maximum(x, x.flip(0))",
    "x.amax(dim=0) - x.amin(dim=0)",
    "torch.floor(x * 3) / 3",
    "torch.nn.functional.silu(x) + x.pow(2)",
    "torch.cat([x, x * 2], dim=0).sum(dim=1)",
    "torch.nn.functional.normalize(x, dim=1)",
]

TEMPLATE = """import torch


class Model(torch.nn.Module):
    def forward(self, x):
        return {body}


def make_inputs():
    return (torch.randn(8, 16),)
"""

NAIVE = """
import sys, time
from pathlib import Path
from fuel.execute.worker import configure_torch
from fuel.execute.runner import instantiate, run_phases
from fuel.execute.records import CompileOptions
from fuel.program import load_file
configure_torch(1)
spec = load_file(sys.argv[1])
instantiate_dir = Path(sys.argv[2])
outcomes = []
run_phases(instantiate(spec, instantiate_dir, "cpu", 0), CompileOptions(), lambda p: None,
           outcomes.append)
print(sum(o.seconds for o in outcomes))
"""


def write_programs(directory: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        path = directory / f"program_{i:02d}.py"
        path.write_text(TEMPLATE.format(body=BODIES[i % len(BODIES)]))
        paths.append(path)
    return paths


def warm_pool(paths: list[Path], jobs: int) -> tuple[float, float]:
    """Wall seconds for checking all programs, and seconds spent inside the phases."""
    options = CompileOptions()
    with WorkerPool(PoolSettings(workers=jobs, threads_per_worker=1)) as pool:
        pool.wait_ready()
        start = time.perf_counter()
        futures = [pool.submit(load_file(p), options) for p in paths]
        results = [f.result() for f in futures]
        wall = time.perf_counter() - start
    verdicts = [judge(r, options) for r in results]
    assert all(v.outcome.value == "pass" for v in verdicts), [v.detail for v in verdicts]
    inside = sum(o.seconds for r in results for o in r.outcomes)
    return wall, inside


def fresh_interpreters(paths: list[Path], scratch: Path) -> float:
    start = time.perf_counter()
    for path in paths:
        subprocess.run(
            [sys.executable, "-c", NAIVE, str(path), str(scratch)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_programs(Path(tmp), args.programs)
        pool_wall, inside = warm_pool(paths, args.jobs)
        fresh_wall = fresh_interpreters(paths, Path(tmp))
    n = len(paths)
    pool_rate, fresh_rate = 60 * n / pool_wall, 60 * n / fresh_wall
    overhead = 1 - inside / (pool_wall * args.jobs)
    print(f"programs                     {n}")
    print(
        f"(a) warm pool, {args.jobs} worker(s)     {pool_rate:7.1f} tests/min  ({pool_wall:.1f} s)"
    )
    print(f"(b) fresh python per test    {fresh_rate:7.1f} tests/min  ({fresh_wall:.1f} s)")
    print(f"ratio (a)/(b)                {pool_rate / fresh_rate:7.1f}x   (target >= 10x)")
    print(f"time outside eager+compile+reference  {100 * overhead:5.1f}%   (target < 10%)")


if __name__ == "__main__":
    main()
