"""The cluster's pure decisions and records, on plain data (no Ray, no cluster)."""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from fuel import serial
from fuel.campaign.display import render_summary
from fuel.cluster.plan import Loss, lost_result, seat_on, seats, threads_per_worker
from fuel.cluster.records import ClusterReport, ClusterSettings, NodeReport, Seat
from fuel.execute.pool import PoolSettings
from fuel.execute.records import CompileOptions, ExitStatus
from fuel.judge.judge import judge
from fuel.judge.verdict import Kind, Outcome
from tests.campaign.test_display import SUMMARY

ROOT = Path(__file__).parents[2]


def node(node_id: str, cpus: float = 4, gpus: float = 0, alive: bool = True) -> dict[str, Any]:
    resources = {"CPU": cpus, "memory": 1e9, f"node:10.0.0.{len(node_id)}": 1.0}
    if gpus:
        resources["GPU"] = gpus
    return {"NodeID": node_id, "Alive": alive, "NodeManagerAddress": "10.0.0.1",
            "Resources": resources}  # fmt: skip


@pytest.mark.parametrize(
    "resources,settings,workers",
    [
        ({"cpus": 4}, ClusterSettings("auto"), 4),  # default: one worker per CPU
        ({"cpus": 4}, ClusterSettings("auto", workers_per_node=2), 2),
        ({"cpus": 2}, ClusterSettings("auto", workers_per_node=8), 2),  # never past the CPUs
        ({"cpus": 1.5}, ClusterSettings("auto"), 1),  # whole CPUs only
        ({"cpus": 16, "gpus": 2}, ClusterSettings("auto", device="cuda"), 2),  # one per GPU
        ({"cpus": 1, "gpus": 4}, ClusterSettings("auto", device="cuda"), 1),  # and a CPU each
        ({"cpus": 16, "gpus": 2}, ClusterSettings("auto", 4, device="cuda"), 2),
    ],
)
def test_a_node_gets_a_worker_per_cpu_or_gpu_never_more_than_it_offers(
    resources: dict[str, float], settings: ClusterSettings, workers: int
) -> None:
    seat = seat_on(node("abc", **resources), settings)
    assert seat == Seat("abc", "10.0.0.1", workers, int(resources["cpus"]))


@pytest.mark.parametrize("cpus,workers,threads", [(8, 8, 1), (8, 2, 4), (1, 1, 1), (16, 3, 5)])
def test_a_nodes_cpus_are_shared_among_its_workers(cpus: int, workers: int, threads: int) -> None:
    seat = Seat("n", "ip", workers, cpus)
    assert threads_per_worker(seat, PoolSettings()) == threads
    assert threads_per_worker(seat, PoolSettings(threads_per_worker=3)) == 3  # as asked


@pytest.mark.parametrize(
    "resources,device",
    [
        ({"cpus": 0}, "cpu"),
        ({"cpus": 0.5}, "cpu"),
        ({"cpus": 8}, "cuda"),
        ({"alive": False}, "cpu"),
    ],
)
def test_a_dead_node_or_one_that_offers_nothing_gets_no_seat(
    resources: dict[str, Any], device: str
) -> None:
    assert seat_on(node("abc", **resources), ClusterSettings("auto", device=device)) is None


def test_seats_keep_rays_order_and_skip_a_head_without_cpus() -> None:
    nodes = [node("head", cpus=0), node("b", cpus=2), node("c", cpus=1)]
    chosen = seats(nodes, ClusterSettings("auto"))
    assert [(s.node_id, s.workers) for s in chosen] == [("b", 2), ("c", 1)]


def test_a_test_lost_twice_by_death_is_a_crash_signal_bug_saying_where() -> None:
    result = lost_result(Loss.DIED, ("a1b2c3", "d4e5f6"), 60.0)
    assert result.exit is ExitStatus.CRASHED and result.signal == signal.SIGKILL
    verdict = judge(result, CompileOptions())
    assert verdict.outcome is Outcome.BUG and verdict.kind is Kind.CRASH_SIGNAL
    assert "a1b2c3, d4e5f6" in verdict.detail and "SIGKILL" in verdict.detail


def test_a_test_lost_twice_by_hanging_actors_is_a_timeout() -> None:
    result = lost_result(Loss.HUNG, ("a1b2c3", "d4e5f6"), 60.0)
    assert result.exit is ExitStatus.TIMEOUT and result.seconds == 60.0
    verdict = judge(result, CompileOptions())
    assert verdict.kind is Kind.TIMEOUT and "stopped answering" in verdict.detail


REPORT = ClusterReport(
    nodes=(
        NodeReport("a1b2c3", "10.0.0.1", 2, 40, True, 1),
        NodeReport("d4e5f6", "10.0.0.2", 0, 12, False),
    ),
    actors=1,
    workers=2,
    actors_started=3,
    actors_lost=2,
    lost_tests=3,
    requeued=2,
    recorded_lost=1,
)


def test_the_report_line_says_nodes_actors_and_lost_tests() -> None:
    line = REPORT.line
    assert line.startswith("1 nodes (1 lost) · 1 actors (3 started, 2 lost) · 2 workers")
    assert "lost tests 3 (2 re-queued, 1 recorded)" in line
    assert "a1b2c3 40, d4e5f6 12 (lost)" in line


def test_the_report_survives_the_store_and_shows_in_the_summary() -> None:
    assert serial.loads(ClusterReport, serial.dumps(REPORT)) == REPORT
    text = render_summary(replace(SUMMARY, cluster=REPORT))
    assert f"cluster        {REPORT.line}" in text.splitlines()
    assert "cluster" not in render_summary(SUMMARY)


def test_without_ray_nothing_of_ray_is_imported(tmp_path: Path) -> None:
    """``fuel`` and a whole ``fuel fuzz`` campaign (toy generator, fake pool) on one
    machine, and the cluster's records the store keeps, never import Ray."""
    script = f"""
import sys
from fuel.campaign import session
from fuel.cli import fuzz
from fuel.cli.main import main
from tests.campaign.toy import FakePool, register_toys
import fuel.cluster.records, fuel.store

register_toys()
session.warm_pool = lambda settings: FakePool()
code = main(["fuzz", "--generator", "toy", "--max-round", "5", "-q", "--no-reduce",
             "--out", {str(tmp_path / "c")!r}])
assert code == 0, code
assert main(["status", {str(tmp_path / "c")!r}]) == 0
print(sorted(name for name in sys.modules if name == "ray" or name.startswith("ray.")))
"""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
