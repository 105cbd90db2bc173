"""Programs ordered from a pool that makes them where it runs them (a Ray cluster's
nodes; here a fake pool in this process that makes them with the actor's own function):
the campaign records what the pool made, which is what the generator makes here from
the same request, keeps mutations here, and counts what the generator refused."""

from __future__ import annotations

import contextlib
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import Any

from fuel.campaign import session
from fuel.campaign.display import QuietDisplay
from fuel.campaign.producer import MAX_FAILURES_IN_A_ROW
from fuel.campaign.settings import CampaignSettings
from fuel.check import LoadRules, Made
from fuel.cluster.actor import Unmade, make_program
from fuel.errors import FuelError, Rejected
from fuel.execute.records import CompileOptions
from fuel.generate import registry
from fuel.generate.base import GenerationRequest, Generator
from fuel.program.record import Program
from fuel.store import CampaignStore
from tests.campaign.toy import BrokenGenerator, FakePool, ToyGenerator, fake_result


class PortableToy(ToyGenerator):
    """The toy, whose programs may be made elsewhere (as the built-in generator's)."""

    def replica(self) -> Generator:
        return type(self)(self.reject_every)


class RefusedThere(ToyGenerator):
    """Makes programs here, but its replica refuses every request."""

    def replica(self) -> Generator:
        return BrokenGenerator()


class MakingPool(FakePool):
    """The fake pool, which also makes programs from requests, as an actor does."""

    def __init__(self, maker: Generator | None) -> None:
        super().__init__()
        self.maker = maker
        self.requests: list[GenerationRequest] = []

    @property
    def makes_programs(self) -> bool:
        return self.maker is not None

    def submit_request(
        self,
        request: GenerationRequest,
        options: CompileOptions,
        timeout_s: float | None,
        rules: LoadRules,
        coverage: bool = False,
    ) -> Future[Made]:
        assert self.maker is not None
        self.requests.append(request)
        future: Future[Made] = Future()
        future.set_running_or_notify_cancel()
        made = make_program(self.maker, request, rules)
        if isinstance(made, Unmade):
            error = FuelError(made.reason) if made.fuel_error else Rejected(made.reason)
            future.set_exception(error)
        elif made.spec is None:
            future.set_result(made)
        else:
            future.set_result(replace(made, result=fake_result(made.spec)))
        return future


def register() -> None:
    factories: dict[str, registry.Factory] = {
        "toy-portable": lambda settings: PortableToy(),
        "toy-portable-refusing": lambda settings: PortableToy(reject_every=3),
        "toy-refused-there": lambda settings: RefusedThere(),
    }
    for name, factory in factories.items():
        with contextlib.suppress(ValueError):  # registered already
            registry.register(name)(factory)


def campaign(
    out: Path, generator: str, rounds: int, **changes: Any
) -> tuple[session.Finished, MakingPool]:
    register()
    pools: list[MakingPool] = []

    def making_pool(settings: Any, generator: Generator | None) -> MakingPool:
        pools.append(MakingPool(generator.replica() if generator else None))
        return pools[-1]

    config = CampaignSettings(out=out, generator=generator, seed=5, max_rounds=rounds, jobs=2,
                              **changes)  # fmt: skip
    finished = session.start(config, QuietDisplay(), ["test"], session.Wiring((), making_pool))
    return finished, pools[0]


def programs_of(out: Path) -> list[Program]:
    with CampaignStore.read(out) as store:
        ids = [test.test_id for test in store.history()]
        found = [store.test_program(test_id) for test_id in ids]
    return [program for program in found if program is not None]


def test_ordered_programs_are_recorded_as_the_generator_makes_them_here(tmp_path: Path) -> None:
    finished, pool = campaign(tmp_path / "c", "toy-portable", 40)
    assert finished.reason == "round limit" and finished.summary.tests == 40
    programs = programs_of(tmp_path / "c")
    by_seed = {request.seed: request for request in pool.requests}
    made_there = [p for p in programs if p.origin == "toy" and p.seed in by_seed]
    assert len(made_there) == len(pool.requests) > 0  # every order recorded, once
    here = PortableToy()
    for program in made_there:
        assert program.seed is not None
        assert program == here.generate(by_seed[program.seed])
    # the producer made a few here while the workers started, before it could order
    made_here = [p for p in programs if p.origin == "toy" and p.seed not in by_seed]
    assert len(made_here) <= 4
    # mutations of corpus programs are made by the driver's generator, not ordered
    assert any(p.origin == "mutation" for p in programs)


def test_refused_orders_are_counted_and_not_recorded(tmp_path: Path) -> None:
    finished, pool = campaign(tmp_path / "c", "toy-portable-refusing", 20)
    assert finished.reason == "round limit" and finished.summary.tests == 20
    seeds = {request.seed for request in pool.requests}
    made_there = [p for p in programs_of(tmp_path / "c") if p.origin == "toy" and p.seed in seeds]
    refused = len(pool.requests) // 3  # the toy refuses every third request
    assert refused > 0 and len(made_there) == len(pool.requests) - refused


def test_a_generator_refusing_every_order_stops_the_campaign(tmp_path: Path) -> None:
    # no mutation rounds: a mutation made here would break the row, as it does here
    finished, pool = campaign(tmp_path / "c", "toy-refused-there", 300, mutate_share=0.0)
    assert finished.reason.startswith("error:") and "in a row" in finished.reason
    assert "broken on purpose" in finished.reason
    assert len(pool.requests) >= MAX_FAILURES_IN_A_ROW
    assert finished.summary.tests < 10  # only what was made here before ordering began
