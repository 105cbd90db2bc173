"""Campaigns on a real Ray cluster of three nodes on this machine (``ray.cluster_utils``).

Everything stays on 127.0.0.1: with ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` Ray keeps to
the loopback instead of this machine's interface address. The head node offers no CPU
(as on a real cluster whose head does no work), so no actor sits on it and any other
node can be removed; each of the two others offers one CPU, so it holds one actor
with one worker. Starting an actor costs a worker pool's warm-up (torch imported and a
first compile), so the module runs one campaign story and one pool story, and the tests
check what each recorded.

The campaign story (a driver process: the toy generator whose bugs real workers see,
the eager backend, no coverage, reduction on):

1. both worker nodes run tests, and bugs are found;
2. one is removed (its raylet killed): the campaign goes on with the other;
3. the driver is killed with SIGKILL, then resumed on the cluster: nothing recorded is
   lost, and the bugs it left unreduced are reduced on the cluster.

The pool story (this process as the driver, on the node left and one that joins): a
program that hangs is lost with an actor killed under it, sent again, and lost with a
node removed under it: it is recorded as a death; a replacement actor starts on the
node that remains (serving is what every actor does in the campaign story; waiting for this one
to warm up would cost another start-up).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fuel.cluster.pool import short
from fuel.cluster.records import ClusterReport, ClusterSettings
from fuel.errors import FuelError
from fuel.execute.pool import PoolSettings
from fuel.execute.records import CompileOptions, RunResult
from fuel.judge.judge import judge
from fuel.judge.verdict import Kind, Outcome
from fuel.program import load_file
from fuel.store import CampaignStore
from tests.cluster.local import LOOPBACK, local_cluster
from tests.conftest import PROGRAMS
from tests.store.database import Rows, rows

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
WORKER_NODES = 2  # and a head without CPUs: a cluster of three
START_S = 400  # a fresh driver's actors warming up at once on a loaded 2-core machine
RESUMED_TESTS = 10  # the resumed run's share of the campaign


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with local_cluster(WORKER_NODES) as test_cluster:
        yield test_cluster


# ---------------------------------------------------------------- helpers
def wait_for(what: str, check: Callable[[], bool], timeout_s: float,
             process: subprocess.Popen[bytes] | None = None) -> None:  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while not check():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the driver ended (code {process.returncode}) before {what}")
        assert time.monotonic() < deadline, f"no {what} within {timeout_s:.0f} s"
        time.sleep(0.5)


def report_of(out: Path) -> ClusterReport:
    """The cluster report the campaign keeps in its store (empty before it has one)."""
    try:
        with CampaignStore.read(out) as store:
            return store.summary().cluster or ClusterReport()
    except (FuelError, sqlite3.Error):
        return ClusterReport()


def recorded_tests(out: Path) -> Rows:
    return rows(out, "SELECT id, digest, outcome, signature_id FROM tests ORDER BY id")


def bugs_of(out: Path) -> Rows:
    return rows(out, "SELECT signature_id, first_test FROM bugs ORDER BY signature_id")


def driver(out: Path, address: str, *args: str) -> subprocess.Popen[bytes]:
    """``fuel fuzz`` with the toy generators, on the cluster; its output in OUT.log."""
    command = [sys.executable, "-m", "tests.campaign.toy_cli", "fuzz", "--ray", address,
               "--workers-per-node", "1", "--log", *args]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), LOOPBACK: "0"}
    with open(out.with_suffix(".log"), "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def worker_node(cluster: Any, prefix: str) -> Any:
    (node,) = [n for n in cluster.worker_nodes if n.node_id.startswith(prefix)]
    return node


# ---------------------------------------------------------------- the campaign story
@dataclass
class Story:
    out: Path
    on_every_node: ClusterReport  # once each worker node had run tests
    removed: str
    bug_tests_before_removal: Rows
    last_test_before_removal: int
    after_removal: ClusterReport  # once the campaign had gone on with one node
    killed_tests: Rows
    killed_bugs: Rows
    resumed_code: int
    final_tests: Rows
    final_bugs: Rows
    resumed: ClusterReport
    runs: int
    processed: Rows  # (signature_id, processed, processing_error) of every bug
    status_text: str
    unreduced_at_kill: int  # bugs the killed driver left to reduce (0 when it was quick)


@pytest.fixture(scope="module")
def story(cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Story:
    out = tmp_path_factory.mktemp("cluster") / "campaign"
    toy = ("--generator", "toy-bug", "--backend", "eager", "--no-coverage", "--seed", "11")
    first = driver(out, cluster.address, *toy, "--max-round", "100000", "--out", str(out))
    try:

        def every_node_tested() -> bool:
            report = report_of(out)
            busy = len(report.nodes) == WORKER_NODES and all(n.tests >= 3 for n in report.nodes)
            return busy and any(row[2] == "bug" for row in recorded_tests(out))

        wait_for("tests on every node and a bug", every_node_tested, START_S, first)
        on_every_node = report_of(out)
        busiest = max(on_every_node.nodes, key=lambda n: n.running)  # likely mid-test
        before = recorded_tests(out)
        cluster.remove_node(worker_node(cluster, busiest.node), allow_graceful=False)
        last = before[-1][0]

        def went_on_without_it() -> bool:
            after = [row for row in recorded_tests(out) if row[0] > last + 5]
            return report_of(out).lost_nodes == 1 and any(row[2] == "bug" for row in after)

        wait_for("tests and a bug after the node left", went_on_without_it, 180, first)
        after_removal = report_of(out)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    killed_tests, killed_bugs = recorded_tests(out), bugs_of(out)
    unreduced = rows(out, "SELECT COUNT(*) FROM bugs WHERE processed = 0")[0][0]
    total = len(killed_tests) + RESUMED_TESTS
    second = driver(out, cluster.address, "--resume", str(out), "--max-round", str(total))
    try:
        code = second.wait(timeout=START_S + 200)
    finally:
        second.kill()
    status = subprocess.run([sys.executable, "-m", "fuel.cli.main", "status", str(out)],
                            cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    return Story(
        out=out,
        on_every_node=on_every_node,
        removed=busiest.node,
        bug_tests_before_removal=[row for row in before if row[2] == "bug"],
        last_test_before_removal=last,
        after_removal=after_removal,
        killed_tests=killed_tests,
        killed_bugs=killed_bugs,
        resumed_code=code,
        final_tests=recorded_tests(out),
        final_bugs=bugs_of(out),
        resumed=report_of(out),
        runs=rows(out, "SELECT COUNT(*) FROM runs")[0][0],
        processed=rows(out, "SELECT signature_id, processed, processing_error FROM bugs"),
        status_text=status.stdout,
        unreduced_at_kill=unreduced,
    )


def test_tests_run_on_every_node_and_none_on_a_head_without_cpus(story: Story) -> None:
    report = story.on_every_node
    assert len(report.nodes) == WORKER_NODES
    assert report.actors == WORKER_NODES and report.workers == WORKER_NODES
    assert all(node.tests >= 3 and node.alive for node in report.nodes)


def test_a_removed_node_costs_no_test_and_no_bug(story: Story) -> None:
    report = story.after_removal
    gone = [node for node in report.nodes if not node.alive]
    assert [node.node for node in gone] == [story.removed]
    assert report.live_nodes == WORKER_NODES - 1 and report.actors == WORKER_NODES - 1
    # it was running a test (a free worker gets the next one at once): that test was
    # counted lost and went to another node, once; nothing was recorded as lost
    assert report.lost_tests >= 1
    assert report.lost_tests == report.requeued and report.recorded_lost == 0
    assert report.actors_lost == 1
    ids = [row[0] for row in story.killed_tests]
    assert ids == list(range(1, len(ids) + 1))  # every test of the run is in the store
    assert set(story.bug_tests_before_removal) <= set(story.killed_tests)
    later = [row for row in story.killed_tests if row[0] > story.last_test_before_removal]
    assert any(row[2] == "bug" for row in later)


def test_a_killed_driver_resumes_on_the_cluster_and_loses_nothing(story: Story) -> None:
    assert story.resumed_code == 0, story.out.with_suffix(".log").read_text()[-3000:]
    assert set(story.killed_tests) <= set(story.final_tests)
    assert set(story.killed_bugs) <= set(story.final_bugs)
    assert len(story.final_tests) == len(story.killed_tests) + RESUMED_TESTS
    assert story.runs == 2
    report = story.resumed  # this run's own cluster: the node left
    assert report.live_nodes == WORKER_NODES - 1 and report.lost_tests == 0
    assert all(node.tests > 0 for node in report.nodes)


def test_bugs_are_reduced_on_the_cluster(story: Story) -> None:
    assert story.processed and all(row[1:] == (1, None) for row in story.processed)
    for signature_id, _, _ in story.processed:
        directory = story.out / "bugs" / signature_id
        assert (directory / "reduced.py").is_file() and (directory / "repro.py").is_file()
    # the resumed run recorded RESUMED_TESTS tests; the other runs its nodes made were
    # reductions: of the bugs the killed driver left (when it left any: on a slow
    # machine it may have reduced them all before the kill), or of new ones
    reduction_runs = sum(node.tests for node in story.resumed.nodes) - RESUMED_TESTS
    assert reduction_runs >= min(story.unreduced_at_kill, 1)


def test_status_shows_the_cluster(story: Story) -> None:
    (line,) = [line for line in story.status_text.splitlines() if line.startswith("cluster")]
    assert f"{WORKER_NODES - 1} nodes" in line and "lost tests 0" in line


# ---------------------------------------------------------------- the pool story
@dataclass
class PoolStory:
    hang_result: RunResult
    after_second_loss: ClusterReport
    nodes: tuple[str, str]  # where the hanging program was lost: an actor, then a node
    replaced: ClusterReport  # once a replacement actor had started
    placed_on: list[str]  # the nodes of the actors then (white-box: ids in full)


@pytest.fixture(scope="module")
def pool_story(story: Story, cluster: Any) -> PoolStory:
    """After the campaign story (so that its driver is gone): one node is left, and one
    joins (its actor would cost another warm-up in the campaign story)."""
    from fuel.cluster.connect import Cluster

    hang = load_file(PROGRAMS / "infinite_loop.py")
    options = CompileOptions(backend="eager")
    cluster.add_node(num_cpus=1)
    with Cluster(ClusterSettings(cluster.address, workers_per_node=1)) as connection:
        pool = connection.start_pool(PoolSettings(workers=1, timeout_s=900))
        try:
            future = pool.submit(hang, options)
            first = wait_for_busy_node(pool, other_than="")
            # its actor dies under it, the node stays: the actor's own process is killed
            # (white-box: the pool knows the pid each actor reported when it started)
            (actor,) = [a for key, a in pool._actors.items() if key.startswith(first)]
            assert actor.ready is not None
            os.kill(actor.ready.pid, signal.SIGKILL)
            second = wait_for_busy_node(pool, other_than=first)  # sent again, elsewhere
            cluster.remove_node(worker_node(cluster, second), allow_graceful=False)
            result = future.result(timeout=120)
            wait_for("the node seen gone", lambda: pool.report().lost_nodes == 1, 60)
            after = pool.report()
            wait_for("a replacement", lambda: pool.report().actors_started == 3, 120)
            placed = list(pool._actors)
            return PoolStory(result, after, (first, second), pool.report(), placed)
        finally:
            pool.close()


def wait_for_busy_node(pool: Any, other_than: str) -> str:
    """The node running the pool's one test, once it is not ``other_than``."""

    def busy() -> list[str]:
        return [n.node for n in pool.report().nodes if n.running and n.node != other_than]

    wait_for("the program running", lambda: bool(busy()), 120)
    return busy()[0]


def test_a_program_lost_twice_is_recorded_as_a_death_naming_both_nodes(
    pool_story: PoolStory,
) -> None:
    verdict = judge(pool_story.hang_result, CompileOptions(backend="eager"))
    assert verdict.outcome is Outcome.BUG and verdict.kind is Kind.CRASH_SIGNAL
    assert all(node in verdict.detail for node in pool_story.nodes)
    report = pool_story.after_second_loss
    assert (report.lost_tests, report.requeued, report.recorded_lost) == (2, 1, 1)
    assert report.actors_lost == 2 and report.lost_nodes == 1


def test_a_replacement_actor_starts_on_the_node_that_remains(pool_story: PoolStory) -> None:
    report = pool_story.replaced
    assert report.actors_started == 3  # two at the start, one replacement
    assert [node.node for node in report.nodes if node.alive] == [pool_story.nodes[0]]
    assert [short(node_id) for node_id in pool_story.placed_on] == [pool_story.nodes[0]]
