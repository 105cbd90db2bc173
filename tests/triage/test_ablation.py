"""Settings bisection and the ablation: each setting tried is a run, and only the
settings a bug needs are kept."""

from __future__ import annotations

from fuel.check import Checked, Checker
from fuel.execute.options import changes, texts
from fuel.execute.records import CompileOptions
from fuel.judge.signature import Signature
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.program import Program
from fuel.triage.ablation import ablate, bisection, minimal_settings

CRASH = Verdict(Outcome.BUG, Kind.COMPILE_CRASH, signature=Signature(
    Kind.COMPILE_CRASH, exc_type="RuntimeError", message="frozen conv"))  # fmt: skip


class Crafted(Checker):
    """The bug shows when freezing is on with backend inductor or aot_eager; nothing
    else matters. Every run is counted."""

    def __init__(self, options: CompileOptions) -> None:
        super().__init__(runner=None, options=options)  # type: ignore[arg-type]
        self.runs: list[CompileOptions] = []

    def run(self, program: Program, options: CompileOptions | None = None) -> Checked:
        chosen = options or self.options
        self.runs.append(chosen)
        frozen = ("inductor.freezing", True) in chosen.config
        shows = frozen and chosen.backend in ("inductor", "aot_eager")
        return Checked(program, CRASH if shows else Verdict(Outcome.PASS))


def test_minimal_settings_keep_only_what_the_bug_needs() -> None:
    options = CompileOptions(dynamic=True, backward=True, config=(
        ("inductor.cpp.simdlen", 1), ("inductor.freezing", True)))  # fmt: skip
    checker = Crafted(options)
    minimal = minimal_settings(checker, Program("x"), CRASH)
    assert texts(changes(minimal.options)) == ["inductor.freezing=True"]
    assert len(checker.runs) == 4  # one run per setting dropped
    # Each row says what its own run showed: dropping freezing hid the bug, the rest not.
    hid = [t.setting for t in minimal.trials if not t.shows]
    assert hid == ["without inductor.freezing=True"]
    for trial in minimal.trials:
        assert trial.shows is (trial.outcome == "bug compile_crash"), trial


def test_the_backend_ladder_names_the_first_layer_that_shows_it() -> None:
    checker = Crafted(CompileOptions(config=(("inductor.freezing", True),)))
    trials = ablate(checker, Program("x"), CRASH)
    shown = {t.setting: t.shows for t in trials}
    assert shown["backend='eager'"] is False and shown["backend='aot_eager'"] is True
    assert bisection(trials).first == "aot_eager"
    assert bisection(trials).tried == ("eager", "aot_eager", "aot_eager_decomp_partition",
                                       "inductor")  # fmt: skip
    assert "dynamic=True" in shown and "fullgraph=True" in shown
