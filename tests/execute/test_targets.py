"""Each target on a few programs, in real sandboxed workers: one that passes, one whose bug
shows on that target, one the target refuses (real compiles: slow; an AOTInductor
package takes tens of seconds, so AOTI runs only where the test needs it)."""

from __future__ import annotations

import time

import pytest
import torch

from fuel.check import Checker
from fuel.execute.pool import WorkerPool
from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.program import Program
from tests.conftest import PROGRAMS

pytestmark = pytest.mark.slow

# Buffers and inputs written in place, two outputs: export writes the buffer back on the
# model as eager does; an AOTInductor package keeps its own (compared: outputs, inputs).
PASSES = """import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("steps", torch.zeros(4))

    def forward(self, x, y):
        self.steps.add_(1)
        y.mul_(2)
        return torch.sin(x) * 2 + self.steps, x.sum()


def make_inputs():
    return (torch.randn(3, 4), torch.randn(3, 4))
"""
# Data-dependent control flow without torch.cond: export refuses it by design, and
# torch.compile(fullgraph=True) cannot capture it in one graph either.
BRANCHES_ON_DATA = """import torch


class Model(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x - 1


def make_inputs():
    return (torch.randn(8),)
"""
# A program only export's trace fails on (it raises while exporting), which
# torch.compile(fullgraph=True) captures: a lead, never a verdict.
ONLY_EXPORT_FAILS = """import torch


class Model(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_exporting():
            raise RuntimeError("this model refuses to be exported")
        return x * 2


def make_inputs():
    return (torch.randn(8),)
"""
# Indexing with a 0-d integer tensor: torch.compile's default (fullgraph off) breaks the
# graph there and passes; the exported program keeps select's data-dependent index, whose
# lowering asks a View for its strides (torch 2.15: LoweringException NotImplementedError:
# View). Found through the aoti target by a campaign of 2026-12-06; not found upstream.
ZERO_DIM_INDEX = """import torch


class Model(torch.nn.Module):
    def forward(self, x, i):
        return (x * 2).reshape(-1)[i]


def make_inputs():
    return (torch.randn(3, 3), torch.tensor(1))
"""
# pytorch#198057, shown by compile and aoti alike
REMAINDER_BY_INF = (PROGRAMS / "remainder_by_inf.py").read_text()


def verdict(pool: WorkerPool, source: str, target: str, dynamic: bool | None = None) -> Verdict:
    checker = Checker(pool, CompileOptions(target=target, dynamic=dynamic))
    start = time.perf_counter()
    found = checker.run(Program(source, f"{target}-test")).verdict
    print(f"{target}: {found.outcome.value} in {time.perf_counter() - start:.1f} s")
    return found


@pytest.mark.parametrize("dynamic", [None, True], ids=["static", "dynamic"])
def test_export_passes_a_program_that_writes_its_buffer_and_input(
    pool: WorkerPool, dynamic: bool | None
) -> None:
    found = verdict(pool, PASSES, "export", dynamic)
    assert found.outcome is Outcome.PASS, found.detail


def test_export_refuses_data_dependent_control_flow_as_invalid_never_a_bug(
    pool: WorkerPool,
) -> None:
    found = verdict(pool, BRANCHES_ON_DATA, "export")
    assert found.outcome is Outcome.INVALID and found.kind is Kind.TARGET_REFUSED, found.detail
    assert "cannot capture it either" in found.detail


def test_an_export_failure_that_torch_compile_captures_is_a_lead_skipped_not_a_bug(
    pool: WorkerPool,
) -> None:
    found = verdict(pool, ONLY_EXPORT_FAILS, "export")
    assert found.outcome is Outcome.SKIPPED and found.kind is Kind.TARGET_REFUSED, found.detail
    assert found.detail.startswith("export lead: export raised RuntimeError: this model refuses")


def test_aoti_passes_a_program_and_finds_the_vectorised_remainder_bug(pool: WorkerPool) -> None:
    assert verdict(pool, PASSES, "aoti").outcome is Outcome.PASS
    found = verdict(pool, REMAINDER_BY_INF, "aoti")
    assert found.is_bug and found.kind is Kind.NAN_INF_MISMATCH, found.detail
    assert found.signature is not None and found.signature.text.startswith("aoti|")


@pytest.mark.skipif(not torch.__version__.startswith("2.15"), reason="a torch 2.15 bug")
def test_aoti_finds_a_bug_the_default_torch_compile_passes(pool: WorkerPool) -> None:
    assert verdict(pool, ZERO_DIM_INDEX, "compile").outcome is Outcome.PASS
    found = verdict(pool, ZERO_DIM_INDEX, "aoti")
    assert found.is_bug and found.kind is Kind.COMPILE_CRASH, found.detail
    assert "NotImplementedError: View" in found.detail


def test_aoti_refuses_what_its_export_refuses_without_building_a_package(
    pool: WorkerPool,
) -> None:
    found = verdict(pool, BRANCHES_ON_DATA, "aoti")
    assert found.outcome is Outcome.INVALID and found.kind is Kind.TARGET_REFUSED
    assert found.phase_seconds["compiled"] < 20  # refused at the trace: no package built


def test_compile_finds_the_remainder_bug_and_export_runs_it_as_eager(pool: WorkerPool) -> None:
    found = verdict(pool, REMAINDER_BY_INF, "compile")
    assert found.is_bug and found.signature is not None
    assert not found.signature.text.startswith(("export|", "aoti|"))  # as before targets
    assert verdict(pool, REMAINDER_BY_INF, "export").outcome is Outcome.PASS


def test_the_ablation_bisects_an_aoti_bug_over_export_then_aoti(pool: WorkerPool) -> None:
    from fuel.triage.ablation import ablate, bisection

    options = CompileOptions(target="aoti")
    found = verdict(pool, REMAINDER_BY_INF, "aoti")
    trials = ablate(Checker(pool, options), Program(REMAINDER_BY_INF, "r"), found,
                    ladder_only=True)  # fmt: skip
    assert [(t.setting, t.shows) for t in trials] == [("target=export", False),
                                                      ("target=aoti", True)]  # fmt: skip
    assert bisection(trials).first == "aoti"
