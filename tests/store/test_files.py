"""The digest: one report per cause, classes of one component and symptom folded."""

from __future__ import annotations

from pathlib import Path

from fuel.judge.signature import RootCause, identity_of
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.store import CampaignStore
from fuel.store.known import KnownIssues
from tests.store.test_store import ENV, add

IN_PLACE = ("functionalization:torch/_subclasses/functional_tensor.py:"
            "FunctionalTensorMode.__torch_dispatch__")  # fmt: skip


def eager_only(message: str) -> Verdict:
    return Verdict(Outcome.BUG, Kind.EAGER_ONLY_ERROR, detail=f"eager raised: {message}")


def cause(operator: str, component: str) -> RootCause:
    return RootCause(Kind.EAGER_ONLY_ERROR, "aot_eager", (operator,), "RuntimeError",
                     "result type Float can't be cast", component=component)  # fmt: skip


def test_classes_of_two_operators_with_one_component_fold_into_one_report(
    tmp_path: Path,
) -> None:
    # No known issues: the shipped lists know this component (pytorch#197554), and this
    # test is about folding, not about what is already filed.
    store = CampaignStore.create(tmp_path / "out", {}, ENV, KnownIssues())
    store.start_run([])
    verdicts = [eager_only(f"bug {n}") for n in range(3)]
    for n, verdict in enumerate(verdicts, 1):
        add(store, n, verdict)
    ids = [identity_of(v).id for v in verdicts]
    store.classify(ids[0], cause("Tensor.logit_", IN_PLACE))
    store.classify(ids[1], cause("Tensor.sin_", IN_PLACE))
    store.classify(ids[2], cause("Tensor.cos_", ""))  # traced to no code: its own report
    digest = (tmp_path / "out" / "bug_reports.txt").read_text()
    assert "3 root cause(s)" in digest and "2 report(s) once folded by component" in digest
    assert f"[1] one cause: {IN_PLACE}  eager_only_error  x2  (2 root-cause classes" in digest
    assert "    operators: Tensor.logit_, Tensor.sin_\n" in digest
    for signature_id in ids[:2]:
        assert f"variant {signature_id}" in digest
    assert f"[2] {cause('Tensor.cos_', '').id}  eager_only_error" in digest
    assert [bug.component for bug in store.bugs()] == [IN_PLACE, IN_PLACE, ""]


def test_a_later_variant_that_finds_the_component_gives_it_to_the_class(tmp_path: Path) -> None:
    store = CampaignStore.create(tmp_path / "out", {}, ENV)
    store.start_run([])
    first, second = eager_only("one"), eager_only("two")
    add(store, 1, first)
    add(store, 2, second)
    store.classify(identity_of(first).id, cause("Tensor.logit_", ""))  # bisector undecided
    store.classify(identity_of(second).id, cause("Tensor.logit_", IN_PLACE))
    assert {bug.component for bug in store.bugs()} == {IN_PLACE}
