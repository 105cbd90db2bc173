"""The built-in generator's programs made on the actors, on a real Ray cluster of two
worker nodes on this machine (see ``tests/cluster/local.py``).

One pool (one warm-up per node) serves the whole story, this process being the driver:

1. a campaign with the built-in generator (eager backend, no coverage) whose pool is
   the cluster's: the producer orders its programs, both nodes make and run them, and
   every program recorded is the one the driver's generator makes from its request;
2. a request the generator cannot serve (an unknown operator) fails the campaign's
   way (``FuelError``) and costs no actor;
3. an order whose actor is killed while it runs is made on the driver, as the actor
   made it, sent again, and comes back with the same program.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import pytest

from fuel.campaign import session
from fuel.campaign.display import QuietDisplay
from fuel.campaign.settings import CampaignSettings
from fuel.check import LoadRules, Made
from fuel.cluster.pool import ClusterPool
from fuel.cluster.records import ClusterReport, ClusterSettings
from fuel.errors import FuelError
from fuel.execute.pool import PoolSettings
from fuel.execute.records import CompileOptions, RunResult
from fuel.generate.base import GenerationRequest, Generator
from fuel.generate.builtin import BuiltinGenerator
from fuel.program import ProgramSpec
from fuel.program.record import Program
from fuel.store import CampaignStore
from tests.cluster.local import local_cluster

pytestmark = pytest.mark.slow

WORKER_NODES = 2
ROUNDS = 12
EAGER = CompileOptions(backend="eager")
RULES = LoadRules(allow_unsafe=False, device="cpu")


class Shared:
    """The test's cluster pool lent to a campaign: the requests it was sent are kept,
    and the campaign's close leaves it open for the rest of the story."""

    def __init__(self, pool: ClusterPool) -> None:
        self.pool = pool
        self.requests: list[GenerationRequest] = []

    @property
    def makes_programs(self) -> bool:
        return self.pool.makes_programs

    def submit_request(self, request: GenerationRequest, options: CompileOptions,
                       timeout_s: float | None, rules: LoadRules,
                       coverage: bool = False) -> Future[Made]:  # fmt: skip
        self.requests.append(request)
        return self.pool.submit_request(request, options, timeout_s, rules, coverage)

    def submit(self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None,
               coverage: bool = False) -> Future[RunResult]:  # fmt: skip
        return self.pool.submit(spec, options, timeout_s, coverage)

    def run(self, spec: ProgramSpec, options: CompileOptions,
            timeout_s: float | None = None, coverage: bool = False) -> RunResult:  # fmt: skip
        return self.pool.run(spec, options, timeout_s, coverage)

    def close(self) -> None:
        """The test closes the pool itself."""


@dataclass
class Story:
    finished: session.Finished
    requests: list[GenerationRequest]
    recorded: list[tuple[Program, float]]  # every test's program, its generation seconds
    campaign_report: ClusterReport
    unknown_operator: BaseException | None
    after_unknown: ClusterReport
    lost_request: GenerationRequest
    lost_on: str  # the node whose actor was killed under it
    lost_made: Made
    after_loss: ClusterReport


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    from fuel.cluster.connect import Cluster

    out = tmp_path_factory.mktemp("generate") / "campaign"
    with local_cluster(WORKER_NODES) as cluster, Cluster(
        ClusterSettings(cluster.address, workers_per_node=1)
    ) as connection:
        pool = connection.start_pool(PoolSettings(workers=1, timeout_s=300), BuiltinGenerator())
        try:
            shared = Shared(pool)
            finished = campaign(out, shared, pool.report)
            report = pool.report()
            unknown = pool.submit_request(GenerationRequest(("no_such_operator",), 1), EAGER,
                                          None, RULES).exception(timeout=120)  # fmt: skip
            after_unknown = pool.report()
            lost = shared.requests[0]
            # inductor: a compile takes seconds, time to kill the actor under it
            future = pool.submit_request(lost, CompileOptions(), None, RULES)
            node = busy_node(pool)
            (actor,) = [a for key, a in pool._actors.items() if key.startswith(node)]
            assert actor.ready is not None
            os.kill(actor.ready.pid, signal.SIGKILL)
            made = future.result(timeout=300)
            yield Story(finished, list(shared.requests), recorded_programs(out), report, unknown,
                        after_unknown, lost, node, made, pool.report())  # fmt: skip
        finally:
            pool.close()


def campaign(out: Path, shared: Shared, report: Callable[[], ClusterReport]) -> session.Finished:
    config = CampaignSettings(out=out, generator="builtin", seed=7, max_rounds=ROUNDS, jobs=2,
                              options=EAGER, coverage=False, process_bugs=False)  # fmt: skip

    def lend(settings: PoolSettings, generator: Generator | None) -> Shared:
        return shared

    wiring = session.Wiring((), lend, report)
    return session.start(config, QuietDisplay(), ["test"], wiring)


def recorded_programs(out: Path) -> list[tuple[Program, float]]:
    with CampaignStore.read(out) as store:
        ids = [test.test_id for test in store.history()]
        programs = [store.test_program(test_id) for test_id in ids]
    conn = sqlite3.connect(out / "campaign.db")
    try:
        seconds = [row[0] for row in conn.execute("SELECT generate_seconds FROM tests ORDER BY id")]
    finally:
        conn.close()
    return [(p, s) for p, s in zip(programs, seconds, strict=True) if p is not None]


def busy_node(pool: ClusterPool) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [node.node for node in pool.report().nodes if node.running]
        if busy:
            return busy[0]
        time.sleep(0.05)
    raise AssertionError("the order never ran")


def test_a_campaign_on_two_nodes_records_tests_from_every_node(story: Story) -> None:
    assert story.finished.reason == "round limit", story.finished.reason
    assert story.finished.summary.tests == ROUNDS
    report = story.campaign_report
    assert len(report.nodes) == WORKER_NODES and report.actors == WORKER_NODES
    assert all(node.tests >= 2 for node in report.nodes), report.line
    assert report.lost_tests == 0


def test_programs_made_on_the_actors_are_those_the_driver_would_make(story: Story) -> None:
    by_seed = {request.seed: request for request in story.requests}
    ordered = [(p, s) for p, s in story.recorded if p.origin == "builtin" and p.seed in by_seed]
    # most rounds are ordered (a quarter mutate, here), and the builtin rarely refuses
    assert len(ordered) >= ROUNDS // 2 and len(ordered) <= len(story.requests)
    driver = BuiltinGenerator()
    for program, seconds in ordered:
        assert program.seed is not None
        assert program == driver.generate(by_seed[program.seed])  # the source, byte for byte
        assert seconds > 0  # the actor's time, recorded as the driver's would be


def test_an_unknown_operator_fails_the_campaign_way_and_costs_no_actor(story: Story) -> None:
    assert isinstance(story.unknown_operator, FuelError)
    assert "no_such_operator" in str(story.unknown_operator)
    assert story.after_unknown.actors_lost == 0 and story.after_unknown.lost_tests == 0


def test_an_order_lost_with_its_actor_is_made_on_the_driver_and_sent_again(story: Story) -> None:
    made = story.lost_made
    assert made.program == BuiltinGenerator().generate(story.lost_request)
    assert made.spec is not None and made.result is not None
    assert "Ray actor" not in made.result.detail  # run to its end, not recorded as lost
    report = story.after_loss
    assert (report.lost_tests, report.requeued, report.recorded_lost) == (1, 1, 0)
    assert report.actors_lost == 1
    before = {node.node: node.tests for node in story.after_unknown.nodes}
    (other,) = [node for node in report.nodes if node.node != story.lost_on]
    assert other.tests == before[other.node] + 1  # the other node ran it
