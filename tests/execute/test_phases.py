"""The worker's phases on real compiles: the discrete re-check runs where a step made a
difference."""

from __future__ import annotations

import pytest

from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions, Phase
from fuel.program import load_source, read_program
from tests.conftest import PROGRAMS


@pytest.mark.slow
def test_the_discrete_recheck_runs_for_a_value_a_step_made_differ(pool: WorkerPool) -> None:
    spec = load_source(read_program(PROGRAMS / "oracle" / "tanh_to_int.py").source)
    result = pool.run(spec, CompileOptions())
    discrete = result.outcome(Phase.DISCRETE)
    assert discrete is not None and discrete.ok
    (recheck,) = discrete.rechecks
    assert recheck.where == "output[0]" and recheck.operators == ("aten._to_copy",)
    assert recheck.disagreeing == ()
