"""Ray's overhead, and the cluster size at which the driver becomes the bottleneck.

Arms with the same seed, time and total worker count, run one after the other in
this one run (``--rounds 2``: each round's order is the last one's reversed, so that a
drift of the machine's load falls on every arm):

* ``local``: ``fuel fuzz -j W`` on this machine, no Ray;
* ``ray``: ``fuel fuzz --ray ADDRESS --workers-per-node W/N`` on a local Ray cluster
  of N nodes (``ray.cluster_utils`` on 127.0.0.1; a head with no CPU, and N nodes of
  W/N CPUs each): the actors make the built-in generator's programs;
* ``ray-driver``: the same, with the programs made on the driver, as before the actors
  made them (the generator's replica withheld, inside this script's driver process).

For each it prints tests/min (campaign time: it starts once the workers are warm) and
the ratio ray/local of each round, then the driver's cost per test, measured inside
the driver process of every arm (this script runs it, with timers around the pieces):
generation, the heuristic's step (propose and observe), the store's transaction
(novelty and record), judging, and receiving a result (unpickling it from a worker's
socket; with Ray, ``ray.get``), each as CPU seconds of the thread doing it, and the
driver process's whole CPU time per test (``/proc``: Ray's own threads included).
From those: how many workers one driver can feed (a worker's seconds per test over
the driver's), and so how many nodes.

    python bench/cluster.py [--minutes 3] [--workers 2] [--nodes 2] [--rounds 2]
                            [--arms local,ray,ray-driver] [--generator builtin] [--seed 1]
                            [--backend eager] [--out results/bench-cluster]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import mean
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOOPBACK = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
SAMPLE_S = 0.5  # how often the driver's CPU time and test count are read
TICKS = os.sysconf("SC_CLK_TCK")
NODE_SIZES = (8, 32)  # workers per node for the projected ceiling in nodes
FAST_WORKER_S = 2.0  # a worker's seconds per test on an unloaded machine, for comparison
MAKE = "making a program"  # the producer's step: the heuristic's proposal, then generation
PROPOSE = "heuristic: propose"
DRIVER_GENERATES = "FUEL_BENCH_DRIVER_GENERATES"  # the ray-driver arm: no replica for actors
ARMS = ("local", "ray", "ray-driver")


# ---------------------------------------------------------------- in the driver
class Timers:
    """CPU seconds (of the calling thread) and calls, per piece of the driver's work."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.ray_overhead_s: list[float] = []  # per test: round trip minus the worker's time

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.cpu[name] = self.cpu.get(name, 0.0) + time.thread_time() - start
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed

    def patch(self, owner: Any, attribute: str, name: str) -> None:
        setattr(owner, attribute, self.wrap(name, getattr(owner, attribute)))


def install(timers: Timers) -> None:
    """Timers around the driver's pieces; the campaign itself is unchanged."""
    from fuel.campaign import producer, session
    from fuel.check import checker
    from fuel.execute import protocol
    from fuel.feedback import heuristic
    from fuel.store import db

    timers.patch(producer.Producer, "_make", MAKE)
    timers.patch(db.CampaignStore, "novelty", "store: novelty")
    timers.patch(db.CampaignStore, "record", "store: record")
    timers.patch(checker, "judge", "judging")
    timers.patch(protocol, "receive", "receiving results (local pool)")
    create = heuristic.create

    def timed_heuristic(name: str, settings: Any) -> Any:
        made = create(name, settings)
        made.propose = timers.wrap(PROPOSE, made.propose)
        made.observe = timers.wrap("heuristic: observe", made.observe)
        return made

    session.heuristics.create = timed_heuristic
    if os.environ.get(DRIVER_GENERATES) == "1":
        from fuel.generate.base import Generator
        from fuel.generate.builtin import BuiltinGenerator

        BuiltinGenerator.replica = Generator.replica  # type: ignore[method-assign]
    install_ray(timers)


def install_ray(timers: Timers) -> None:
    """With --ray: time ``ray.get`` of results, and Ray's own time per test."""
    if "--ray" not in sys.argv:
        return
    import ray

    from fuel.check import Made
    from fuel.cluster import pool

    get = ray.get

    def timed_get(refs: Any, *args: Any, **kwargs: Any) -> Any:
        return timers.wrap("receiving results (ray.get)", get)(refs, *args, **kwargs)

    pool.ray.get = timed_get
    finish = pool.ClusterPool._finish

    def finish_timed(self: Any, ref: Any) -> None:
        entry = self._refs.get(ref)
        finish(self, ref)
        task = entry[1] if entry else None
        if task is not None and task.future.done() and not task.future.exception():
            value = task.future.result()
            wall = time.monotonic() - task.sent_at
            if isinstance(value, Made):  # made on the actor: its making is work too
                if value.result is not None:
                    work = value.result.seconds + value.generate_seconds
                    timers.ray_overhead_s.append(wall - work)
            else:
                timers.ray_overhead_s.append(wall - value.seconds)

    pool.ClusterPool._finish = finish_timed


def drive(profile: Path, argv: list[str]) -> int:
    """This process as ``fuel ARGV``, with the timers; they go to ``profile``."""
    from fuel.cli.main import main

    timers = Timers()
    install(timers)
    try:
        return main(argv)
    finally:
        data = {"cpu": timers.cpu, "calls": timers.calls, "ray_overhead_s": timers.ray_overhead_s}
        profile.write_text(json.dumps(data))


# ---------------------------------------------------------------- the arms
def process_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime, children apart


def tests_recorded(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM tests").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def run_arm(name: str, out: Path, args: argparse.Namespace, placement: list[str]) -> dict[str, Any]:
    profile = out.with_suffix(".profile.json")
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--as-driver",
        str(profile),
        "fuzz",
        "--generator",
        args.generator,
        "--time",
        f"{args.minutes}m",
        "--seed",
        str(args.seed),
        "--out",
        str(out),
        "--quiet",
        "--no-reduce",
        *(["--coverage"] if args.coverage else ["--no-coverage"]),
        *(["--backend", args.backend] if args.backend else []),
        *placement,
    ]
    print(f"$ {' '.join(command[2:])}", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), LOOPBACK: "0"}
    env[DRIVER_GENERATES] = "1" if name == "ray-driver" else "0"
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    samples: list[tuple[int, float]] = []  # (tests, driver CPU seconds)
    while child.poll() is None:
        cpu = process_cpu_s(child.pid)
        if cpu is not None:
            samples.append((tests_recorded(out / "campaign.db"), cpu))
        time.sleep(SAMPLE_S)
    if child.returncode != 0:
        raise SystemExit(f"{name}: fuel fuzz exited with {child.returncode}")
    status = subprocess.run(
        [sys.executable, "-m", "fuel.cli.main", "status", str(out), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(status.stdout)
    worker_s = query(out, "SELECT AVG(run_seconds), AVG(generate_seconds) FROM tests")[0]
    return {
        "name": name,
        "summary": summary,
        "profile": json.loads(profile.read_text()),
        "driver_cpu_per_test": cpu_per_test(samples),
        "worker_s": worker_s[0],
        "generate_wall_s": worker_s[1],
    }


def cpu_per_test(samples: list[tuple[int, float]]) -> float:
    """The driver's CPU seconds per test while it tested (start-up and end excluded)."""
    testing = [s for s in samples if s[0] > 0]
    if len(testing) < 2 or testing[-1][0] == testing[0][0]:
        return float("nan")
    return (testing[-1][1] - testing[0][1]) / (testing[-1][0] - testing[0][0])


def query(out: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(out / "campaign.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def start_cluster(nodes: int, cpus: int) -> Any:
    os.environ[LOOPBACK] = "0"
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    for _ in range(nodes):
        cluster.add_node(num_cpus=cpus)
    assert cluster.address.startswith("127.0.0.1:"), cluster.address
    return cluster


# ---------------------------------------------------------------- the report
def print_arms(arms: list[dict[str, Any]]) -> None:
    print(
        f"\n{'arm':8} {'tests':>6} {'tests/min':>10} {'valid %':>8} {'bugs':>5} "
        f"{'worker s/test':>14}"
    )
    for arm in arms:
        s = arm["summary"]
        print(
            f"{arm['name']:8} {s['tests']:>6} {s['tests_per_minute']:>10.1f} "
            f"{100 * s['valid_share']:>8.1f} {s['bugs_total']:>5} {arm['worker_s']:>14.2f}"
        )
    local = [a["summary"]["tests_per_minute"] for a in arms if a["name"] == "local"]
    for name in ARMS[1:]:
        ray = [a["summary"]["tests_per_minute"] for a in arms if a["name"] == name]
        if not ray or not local:
            continue
        ratios = [r / lo for r, lo in zip(ray, local, strict=True) if lo > 0]
        print(f"{name}/local per round: " + ", ".join(f"{r:.3f}" for r in ratios))
        print(
            f"{name}/local overall: {mean(ray) / mean(local):.3f} (tests/min {mean(ray):.1f} "
            f"vs {mean(local):.1f}); Ray's overhead {100 * (1 - mean(ray) / mean(local)):+.1f} %"
        )


def print_driver(arms: list[dict[str, Any]], workers_per_node: int) -> None:
    for name in ARMS:
        mine = [a for a in arms if a["name"] == name]
        if not mine:
            continue
        tests = sum(a["summary"]["run_tests"] for a in mine)
        pieces: dict[str, float] = {}
        for arm in mine:
            for piece, cpu in arm["profile"]["cpu"].items():
                pieces[piece] = pieces.get(piece, 0.0) + cpu
        # the proposal is timed inside the producer's step: the rest of it is generation
        generation = "generation" if name != "ray" else "generation here (mutations; orders)"
        pieces[generation] = pieces.pop(MAKE, 0.0) - pieces.get(PROPOSE, 0.0)
        print(f"\ndriver's CPU per test, {name} arm ({tests} tests):")
        for piece, cpu in sorted(pieces.items(), key=lambda kv: -kv[1]):
            print(f"  {piece:44} {1000 * cpu / tests:8.2f} ms")
        timed = sum(pieces.values()) / tests
        whole = mean(a["driver_cpu_per_test"] for a in mine)
        print(f"  {'sum of the pieces above':44} {1000 * timed:8.2f} ms")
        print(f"  {'the driver process (/proc, all threads)':44} {1000 * whole:8.2f} ms")
        overhead = [s for a in mine for s in a["profile"]["ray_overhead_s"]]
        if overhead:
            print(
                f"  Ray's round trip beyond the worker's time: {1000 * mean(overhead):.1f} ms "
                f"mean per test (wall, not driver CPU)"
            )
        worker_s = mean(a["worker_s"] for a in mine)
        generate = mean(a["generate_wall_s"] for a in mine)
        where = "on the actors" if name == "ray" else "its thread"
        print(
            f"  worker seconds per test {worker_s:.2f}; generation (wall, {where}) "
            f"{1000 * generate:.1f} ms"
        )
        if name != "local":
            ceiling(worker_s, whole, timed, workers_per_node)


def ceiling(worker_s: float, driver_s: float, timed_s: float, workers_per_node: int) -> None:
    """One driver feeds workers until their tests need more of it than one core gives."""
    most = worker_s / driver_s
    print(
        f"\nceiling: one worker asks the driver for {1000 * driver_s:.1f} ms of CPU every "
        f"{worker_s:.2f} s, so one driver core feeds {worker_s:.2f} / {driver_s:.4f} = "
        f"{most:.0f} workers (the timed pieces alone: {worker_s / timed_s:.0f})"
    )
    for size in (workers_per_node, *NODE_SIZES):
        print(f"  = {most / size:.0f} nodes of {size} workers")
    print(f"  (with W = {FAST_WORKER_S:.0f} s a test: {FAST_WORKER_S / driver_s:.0f} workers)")


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--as-driver":
        return drive(Path(sys.argv[2]), sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2, help="total, in both arms")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--arms", default=",".join(ARMS), help="which arms, comma-separated")
    parser.add_argument("--generator", default="builtin")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--coverage", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--backend", default="", help="fuel fuzz's --backend (default: its own)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench-cluster")
    args = parser.parse_args()
    if args.workers % args.nodes:
        parser.error("--workers must be a multiple of --nodes")
    per_node = args.workers // args.nodes
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    cluster = start_cluster(args.nodes, per_node)
    chosen = tuple(name for name in args.arms.split(",") if name)
    if not set(chosen) <= set(ARMS):
        parser.error(f"--arms: choose among {', '.join(ARMS)}")
    order = [chosen if i % 2 == 0 else tuple(reversed(chosen)) for i in range(args.rounds)]
    arms = []
    try:
        for index, name in enumerate(n for pair in order for n in pair):
            placement = (
                ["-j", str(args.workers)]
                if name == "local"
                else ["--ray", cluster.address, "--workers-per-node", str(per_node)]
            )
            arms.append(run_arm(name, args.out / f"{index}-{name}", args, placement))
    finally:
        cluster.shutdown()
    print_arms(arms)
    print_driver(arms, per_node)
    return 0


if __name__ == "__main__":
    sys.exit(main())
