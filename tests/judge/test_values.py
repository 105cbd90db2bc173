"""Each value judged on its own: per-value hazards, PyTorch's rule over fuel's filters,
discrete amplification, eager's own broken elements (crafted tensors, no compile)."""

from __future__ import annotations

import torch

from fuel.execute.records import DiscreteRecheck, Hazard, Probe, Taint
from fuel.judge.compare import EAGER_BROKEN, ILL_CONDITIONED
from fuel.judge.judge import judge
from fuel.judge.verdict import Kind, Outcome, Verdict
from tests.judge.crafted import result
from tests.judge.test_judge import OPTIONS

TIES = Taint(Hazard.TIES, "argmin")


def verdict_of(*args: object, **kwargs: object) -> Verdict:
    return judge(result(*args, **kwargs), OPTIONS)  # type: ignore[arg-type]


def traced(**tainted: tuple[Taint, ...]) -> Probe:
    """A probe that traced hazards to values; keys like output_1 name output[1]."""
    named = tuple((k.replace("output_", "output[") + "]", v) for k, v in tainted.items())
    return Probe(aten_ops=("aten.amin.default", "aten.argmin.default"), ties=("argmin",),
                 tainted=named, traced=True)  # fmt: skip


def test_a_value_beside_a_tied_index_is_still_judged() -> None:
    # amin over uint8 rows that compiled returns as 0, beside an argmin with ties
    amin_eager = torch.tensor([1, 1, 1], dtype=torch.uint8)
    amin_compiled = torch.zeros(3, dtype=torch.uint8)
    index_eager, index_compiled = torch.tensor([1, 4, 14]), torch.tensor([0, 0, 0])
    v = verdict_of(
        (amin_eager, index_eager),
        (amin_compiled, index_compiled),
        (amin_eager.clone(), index_eager.clone()),
        probe=traced(output_1=(TIES,)),
    )
    assert v.outcome is Outcome.BUG and v.numeric is not None
    assert v.numeric.where == "output[0]"


def test_a_tainted_value_alone_is_skipped_with_its_hazard() -> None:
    same = torch.tensor([1, 1], dtype=torch.uint8)
    v = verdict_of(
        (same, torch.tensor([1, 4])),
        (same.clone(), torch.tensor([0, 0])),
        (same.clone(), torch.tensor([1, 4])),
        probe=traced(output_1=(TIES,)),
    )
    assert v.outcome is Outcome.SKIPPED and "ties in argmin" in v.detail


def test_untraced_hazards_apply_to_every_value() -> None:
    probe = Probe(aten_ops=("aten.rand.default",), random_ops=("rand",), traced=True,
                  untraced=("a value drawn from rand (random) was read into Python",))  # fmt: skip
    v = verdict_of(torch.zeros(3), torch.ones(3), torch.zeros(3).double(), probe=probe)
    assert v.outcome is Outcome.SKIPPED and "read into Python" in v.detail


def test_same_flags_what_the_perturbed_run_once_excused() -> None:
    # float floor_divide(1.0, 0.1): eager and float64 give 9, compiled 10; a nudge of two
    # ulps moves eager to 10 too, which must lower the rank and not dismiss it
    eager, compiled = torch.tensor([9.0, 3.0]), torch.tensor([10.0, 3.0])
    reference, perturbed = torch.tensor([9.0, 3.0], dtype=torch.float64), compiled.clone()
    v = verdict_of(eager, compiled, reference, perturbed)
    assert v.outcome is Outcome.BUG and v.notes == (ILL_CONDITIONED,)


def test_perturbation_still_excuses_what_only_fuels_stricter_rule_flags() -> None:
    # same() lets small absolute differences through (allclose 1e-4); fuel's relative
    # rule does not, and there an ill-conditioned eager may still excuse compiled
    reference = torch.full((8,), 1e-3, dtype=torch.float64)
    eager = (reference * (1 + 1e-3)).float()
    compiled = (reference * (1 - 3e-2)).float()
    perturbed = (reference * (1 - 3e-2)).float()
    assert verdict_of(eager, compiled, reference, perturbed).outcome is Outcome.PASS
    assert verdict_of(eager, compiled, reference, eager).outcome is Outcome.BUG


def test_elements_where_eager_is_broken_are_not_judged() -> None:
    # eager's kernel returns garbage where float64 says 1.0; compiled differs there too
    reference = torch.linspace(1, 2, 16, dtype=torch.float64)
    eager, compiled = reference.float(), reference.float()
    eager[3], compiled[3] = 7.5e-36, float("nan")
    v = verdict_of(eager, compiled, reference, eager)
    assert v.outcome is Outcome.SKIPPED and EAGER_BROKEN in v.detail
    compiled[9] += 0.5  # a real error elsewhere is still found
    bug = verdict_of(eager, compiled, reference, eager)
    assert bug.outcome is Outcome.BUG and bug.numeric is not None
    assert bug.numeric.worst_index == (9,)


def test_broken_finite_eager_elements_are_set_aside_before_same() -> None:
    reference = torch.linspace(1, 2, 16, dtype=torch.float64)
    eager, compiled = reference.float(), reference.float()
    eager[5], compiled[5] = 1e30, -4.0  # compiled nearer float64 there: nothing to see
    assert verdict_of(eager, compiled, reference, eager).outcome is Outcome.PASS
    compiled[5] = -1e31  # farther: that element cannot be judged
    assert verdict_of(eager, compiled, reference, eager).outcome is Outcome.SKIPPED
    compiled[9] += 0.5  # eager's garbage must not inflate the allowance elsewhere
    assert verdict_of(eager, compiled, reference, eager).outcome is Outcome.BUG


def discrete_case(rechecks: tuple[DiscreteRecheck, ...]) -> Verdict:
    eager = torch.tensor([0, 0, 0, 1], dtype=torch.int32)
    compiled = torch.tensor([1, -1, 0, 1], dtype=torch.int32)
    return verdict_of(eager, compiled, eager.clone(), eager.clone(), rechecks=rechecks)


def test_rounding_amplified_by_a_step_is_skipped() -> None:
    explains = torch.tensor([1, -1, 0, 1], dtype=torch.int32)
    v = discrete_case((DiscreteRecheck("output[0]", explains, ("aten._to_copy",), ()),))
    assert v.outcome is Outcome.SKIPPED and "discrete amplification" in v.detail


def test_a_step_that_disagrees_on_identical_inputs_is_a_bug() -> None:
    explains = torch.tensor([1, -1, 0, 1], dtype=torch.int32)
    found = DiscreteRecheck("output[0]", explains, ("aten._to_copy",), ("aten._to_copy",))
    v = discrete_case((found,))
    assert v.outcome is Outcome.BUG and "identical inputs" in v.detail


def test_elements_no_nudge_explains_are_still_judged() -> None:
    partly = torch.tensor([1, 0, 0, 1], dtype=torch.int32)  # explains element 0 only
    v = discrete_case((DiscreteRecheck("output[0]", partly, ("aten._to_copy",), ()),))
    assert v.outcome is Outcome.BUG and v.numeric is not None
    assert v.numeric.worst_index == (1,) and v.numeric.mismatched == 1


def test_without_a_compiled_check_a_step_excuses_nothing() -> None:
    explains = torch.tensor([1, -1, 0, 1], dtype=torch.int32)
    v = discrete_case((DiscreteRecheck("output[0]", explains, ("aten._to_copy",), None),))
    assert v.outcome is Outcome.BUG


def unique_case(nearest: torch.Tensor, disagreeing: tuple[str, ...] | None) -> Verdict:
    """unique of a cast whose rounding differs: 1 value eager, 3 compiled."""
    eager = torch.tensor([0], dtype=torch.int32)
    compiled = torch.tensor([-1, 0, 1], dtype=torch.int32)
    found = DiscreteRecheck("output[0]", nearest, ("aten._to_copy",), disagreeing)
    return verdict_of(eager, compiled, eager.clone(), eager.clone(), rechecks=(found,))


def test_a_step_that_changes_a_count_of_elements_is_skipped_when_a_nudge_gives_it() -> None:
    v = unique_case(torch.tensor([-1, 0, 1], dtype=torch.int32), ())
    assert v.outcome is Outcome.SKIPPED and "discrete amplification" in v.detail


def test_a_changed_count_of_elements_is_a_bug_unless_wholly_explained() -> None:
    assert unique_case(torch.tensor([-1, 0, 1], dtype=torch.int32), None).outcome is Outcome.BUG
    v = unique_case(torch.tensor([-1, 0, 1], dtype=torch.int32), ("aten._to_copy",))
    assert v.outcome is Outcome.BUG and "identical inputs" in v.detail
    assert unique_case(torch.tensor([-1, 0, 2], dtype=torch.int32), ()).outcome is Outcome.BUG
    assert unique_case(torch.tensor([0], dtype=torch.int32), ()).outcome is Outcome.BUG


def test_a_mismatch_in_a_second_value_is_found_after_an_excused_first() -> None:
    probe = traced(output_0=(Taint(Hazard.RANDOM, "rand"),))
    reference = torch.linspace(-3, 3, 10, dtype=torch.float64)
    wrong = reference.float().clone()
    wrong[2] = 9.0
    v = verdict_of(
        (torch.zeros(3), reference.float()),
        (torch.ones(3), wrong),
        (torch.zeros(3, dtype=torch.float64), reference),
        probe=probe,
    )
    assert v.outcome is Outcome.BUG and v.kind is Kind.NUMERIC_MISMATCH
    assert v.numeric is not None and v.numeric.where == "output[1]"
