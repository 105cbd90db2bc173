"""Generated programs in the sandboxed workers: valid in eager, judged when compiled."""

from __future__ import annotations

import pytest

from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions
from fuel.generate.builtin import BuiltinGenerator
from fuel.judge.judge import judge
from fuel.judge.verdict import Outcome
from fuel.program import load_program
from tests.generate.helpers import programs

pytestmark = pytest.mark.slow


def test_programs_and_mutants_pass_eager_in_the_workers(
    pool: WorkerPool, generator: BuiltinGenerator
) -> None:
    made = programs(generator, range(200, 215))
    made += [generator.mutate(p, 5) for p in made[:5]]
    options = CompileOptions(eager_only=True)
    futures = [pool.submit(load_program(p), options) for p in made]
    outcomes = [judge(f.result(), options).outcome for f in futures]
    assert outcomes.count(Outcome.PASS) == len(made), outcomes


def test_compiled_programs_are_judged_never_invalid(
    pool: WorkerPool, generator: BuiltinGenerator
) -> None:
    options = CompileOptions()
    for program in programs(generator, range(300, 302)):
        verdict = judge(pool.run(load_program(program), options), options)
        assert verdict.outcome not in (Outcome.INVALID, Outcome.REJECTED), verdict.detail
