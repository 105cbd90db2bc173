"""Hostile programs against real warm workers: each gets its verdict, and the pool
serves the next program normally afterwards. These really compile (marked slow)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuel.execute.pool import PoolSettings, WorkerPool
from fuel.execute.records import CompileOptions
from fuel.judge.judge import judge
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.program import load_file

pytestmark = pytest.mark.slow

PROGRAMS = Path(__file__).parents[1] / "programs"
VALID = Path(__file__).parents[2] / "examples" / "valid_make_inputs.py"
OPTIONS = CompileOptions()


@pytest.fixture(scope="module")
def hostile_pool() -> Iterator[WorkerPool]:
    settings = PoolSettings(workers=1, timeout_s=20, memory_mb=3072)
    with WorkerPool(settings) as pool:
        pool.wait_ready()
        yield pool


def check(pool: WorkerPool, path: Path) -> Verdict:
    return judge(pool.run(load_file(path, allow_unsafe=True), OPTIONS), OPTIONS)


def assert_pool_still_serves(pool: WorkerPool) -> None:
    assert check(pool, VALID).outcome is Outcome.PASS


@pytest.mark.parametrize(
    "name,outcome,kind,words",
    [
        ("segfault", Outcome.BUG, Kind.CRASH_SIGNAL, "SIGSEGV"),
        ("abort", Outcome.BUG, Kind.CRASH_SIGNAL, "SIGABRT"),
        ("infinite_loop", Outcome.INVALID, Kind.TIMEOUT, "did not finish"),
        ("memory_bomb", Outcome.INVALID, Kind.OOM, "memory"),
        ("sys_exit", Outcome.INVALID, None, "SystemExit"),
        ("write_outside", Outcome.REJECTED, None, "open for writing /tmp/fuel-sandbox-escape"),
        ("network", Outcome.REJECTED, None, "network"),
        ("spawn_process", Outcome.REJECTED, None, "subprocess.Popen"),
    ],
)
def test_hostile_program_gets_its_verdict_and_the_pool_goes_on(
    hostile_pool: WorkerPool, name: str, outcome: Outcome, kind: Kind | None, words: str
) -> None:
    verdict = check(hostile_pool, PROGRAMS / f"{name}.py")
    assert verdict.outcome is outcome, verdict
    assert verdict.kind is kind
    assert words in verdict.detail
    assert_pool_still_serves(hostile_pool)
    assert not Path("/tmp/fuel-sandbox-escape.txt").exists()


def test_huge_print_is_capped(hostile_pool: WorkerPool) -> None:
    result = hostile_pool.run(load_file(PROGRAMS / "huge_print.py"), OPTIONS)
    assert judge(result, OPTIONS).outcome is Outcome.PASS
    assert len(result.stdout) < 70_000
    assert "more characters dropped" in result.stdout


def test_worker_reports_its_sandbox_layers(hostile_pool: WorkerPool) -> None:
    hello = hostile_pool.wait_ready()
    assert "audit hook" in hello.sandbox_layers
    assert "resource limits" in hello.sandbox_layers
    assert hello.torch_version


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_closing_leaves_no_process_and_no_directory() -> None:
    before = set(children_of(os.getpid()))
    pool = WorkerPool(PoolSettings(workers=2, recycle_after=1))
    roots = [w.root for w in pool._workers]
    assert pool.run(load_file(VALID), OPTIONS).exit.value == "completed"
    roots += [w.root for w in pool._workers]
    pool.close()
    assert set(children_of(os.getpid())) <= before
    assert not any(root.exists() for root in roots)


def test_recycled_worker_is_a_new_process() -> None:
    with WorkerPool(PoolSettings(workers=1, recycle_after=1)) as pool:
        first = pool.run(load_file(VALID), OPTIONS)
        second = pool.run(load_file(VALID), OPTIONS)
    assert first.worker_pid != second.worker_pid
    assert judge(second, OPTIONS).outcome is Outcome.PASS


def test_device_validation_runs_the_side_under_test_without_compiling(
    hostile_pool: WorkerPool,
) -> None:
    # On a CPU-only machine the "other device" is the CPU itself: eager against eager.
    options = CompileOptions(validate="device", device="cpu")
    result = hostile_pool.run(load_file(VALID), options)
    verdict = judge(result, options)
    assert verdict.outcome is Outcome.PASS
    compiled = result.outcomes[2]
    assert compiled.phase.value == "compiled" and compiled.seconds < 0.5


def test_coverage_is_measured_only_for_the_jobs_that_ask() -> None:
    spec = load_file(VALID)
    with WorkerPool(PoolSettings(workers=1, timeout_s=120, coverage=True)) as pool:
        pool.wait_ready()
        plain = pool.submit(spec, OPTIONS).result()
        measured = pool.submit(spec, OPTIONS, coverage=True).result()
        again = pool.run(spec, OPTIONS, coverage=True)
    assert judge(plain, OPTIONS).outcome is Outcome.PASS and plain.coverage is None
    assert measured.coverage is not None and measured.coverage.line_count > 1000
    assert all(path.startswith("torch/") for path, _ in measured.coverage.files)
    assert again.coverage is not None  # measured; the worker reports only lines new to it
    assert again.coverage.line_count < measured.coverage.line_count
