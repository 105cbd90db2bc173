"""Making a program on an actor, without Ray: the replica of the built-in generator,
pickled as Ray pickles it into an actor and warmed up as the actor warms it, makes the
very program the driver's generator makes from the same request; ``make_program``
loads it by the checker's rules and says why when no program comes of a request."""

from __future__ import annotations

import pickle
import random

import pytest

from fuel.check import LoadRules, Made
from fuel.cluster.actor import Unmade, make_program
from fuel.errors import Rejected
from fuel.generate.base import GenerationRequest, Generator
from fuel.generate.builtin import BuiltinGenerator
from fuel.program.record import Program

RULES = LoadRules(allow_unsafe=False, device="cpu")


@pytest.fixture(scope="module")
def driver() -> BuiltinGenerator:
    return BuiltinGenerator()


def requests(generator: BuiltinGenerator, count: int) -> list[GenerationRequest]:
    """Requests as the heuristic makes them: one to three operators, a seed."""
    rng = random.Random(3)
    names = generator.operators()
    return [GenerationRequest(tuple(rng.sample(names, rng.randint(1, 3))), rng.getrandbits(31))
            for _ in range(count)]  # fmt: skip


def test_a_pickled_replica_makes_what_the_driver_makes(driver: BuiltinGenerator) -> None:
    replica = driver.replica()
    assert replica is not None
    actor_side: Generator = pickle.loads(pickle.dumps(replica))
    actor_side.generate(GenerationRequest((), 0))  # the actor's warm-up
    for request in reversed(requests(driver, 8)):  # another order than the driver's
        made = make_program(actor_side, request, RULES)
        assert isinstance(made, Made) and made.spec is not None, made
        assert made.generate_seconds > 0
        assert made.spec == RULES.load(made.program)
    fresh = BuiltinGenerator(driver.catalog)
    for request in requests(driver, 8):
        made = make_program(actor_side, request, RULES)
        assert isinstance(made, Made)
        assert made.program == fresh.generate(request)  # source, recipe, name and all


class Refusing(Generator):
    def generate(self, request: GenerationRequest) -> Program:
        raise Rejected("nothing fits")


class Failing(Generator):
    def generate(self, request: GenerationRequest) -> Program:
        raise KeyError("a bug of the generator")


class Unloadable(Generator):
    def generate(self, request: GenerationRequest) -> Program:
        return Program("import os\nos.system('true')\n", "unloadable")


def test_no_program_or_no_load_is_said_not_raised() -> None:
    request = GenerationRequest(("abs",), 1)
    assert make_program(Refusing(), request, RULES) == Unmade("nothing fits")
    failed = make_program(Failing(), request, RULES)
    assert isinstance(failed, Unmade) and failed.fuel_error and "KeyError" in failed.reason
    made = make_program(Unloadable(), request, RULES)
    assert isinstance(made, Made) and made.spec is None and made.result is None
    assert made.rejected and made.program.name == "unloadable"
