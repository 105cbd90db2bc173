"""Compile settings per test: the space and the annealer's choices."""

from __future__ import annotations

from fuel.execute.options import CompileSetting
from fuel.execute.records import CompileOptions
from fuel.feedback.record import Feedback
from fuel.feedback.settings import (
    BASE,
    MAX_SETTINGS,
    SettingsAnnealing,
    SettingsSpace,
    valid_override,
)
from fuel.judge.verdict import Outcome, Verdict
from fuel.program.record import Program


def test_the_space_leaves_out_pinned_families_and_settings_this_torch_lacks() -> None:
    free = SettingsSpace.build(CompileOptions())
    assert {"dynamic=True", "dynamic=False", "backward=True", "fullgraph=True"} <= set(free.tokens)
    assert "mode=max-autotune-no-cudagraphs" in free.tokens and BASE in free.tokens
    assert "inductor.freezing=True" in free.tokens and "inductor.cpp.simdlen=256" in free.tokens
    pinned = SettingsSpace.build(CompileOptions(dynamic=True, backward=True), ("dynamic",))
    assert not any(t.startswith(("dynamic=", "backward=")) for t in pinned.tokens)
    assert not valid_override("inductor.no_such_setting", True)
    assert not valid_override("inductor.freezing", False)  # the default: no change
    assert not valid_override("inductor.freezing", 3)  # the wrong type
    eager = SettingsSpace.build(CompileOptions(backend="eager"))
    assert not any(t.startswith(("inductor.", "dynamo.")) for t in eager.tokens)


def test_the_annealer_proposes_few_settings_one_per_family_and_learns_from_tests() -> None:
    space = SettingsSpace.build(CompileOptions())
    chooser = SettingsAnnealing(space, seed=3)
    seen: set[CompileSetting] = set()
    rewarded = None  # the first setting proposed: the only one whose tests find new code
    for index in range(200):
        chosen = chooser.choose()
        assert len(chosen) <= MAX_SETTINGS
        assert len({setting.name for setting in chosen}) == len(chosen)
        rewarded = rewarded or (chosen[0] if chosen else None)
        seen |= set(chosen)
        program = Program("", f"p{index}", ops=("add",))
        chooser.observe(Feedback(program, Verdict(Outcome.PASS), 50 if rewarded in chosen else 0,
                                 settings=chosen))  # fmt: skip
    assert rewarded is not None and len(seen) > 5  # it explores
    others = sorted(s.uses for token, s in chooser.stats.items() if token != rewarded.text)
    assert chooser.stats[rewarded.text].uses > others[len(others) // 2]  # the median setting


def test_every_setting_is_tried_before_the_annealer_searches_locally() -> None:
    space = SettingsSpace.build(CompileOptions())
    chooser = SettingsAnnealing(space, seed=5)
    tried: set[str] = set()
    for _ in range(len(space.tokens)):
        tried |= set(chooser.propose())
    assert tried | {BASE} == set(space.tokens)


def test_a_default_token_chosen_with_others_only_means_fewer_changes() -> None:
    chooser = SettingsAnnealing(SettingsSpace.build(CompileOptions()), seed=0)
    chooser.proposed, chooser.trying_all = set(chooser.universe), False  # every one tried
    chooser.current = (BASE, "backward=True")
    chooser.neighbour = lambda current: current  # type: ignore[method-assign]
    assert chooser.propose() == ("backward=True",)
    chooser.current = (BASE,)
    assert chooser.propose() == ()


def test_targets_are_a_family_of_the_space_and_a_test_keeps_what_its_target_takes() -> None:
    space = SettingsSpace.build(CompileOptions())
    assert {"target=export", "target=aoti"} <= set(space.tokens)
    assert not any(t.startswith("target=") for t in SettingsSpace.build(
        CompileOptions(validate="device", device="cuda")).tokens)  # fmt: skip
    assert "target=export" not in SettingsSpace.build(CompileOptions(backward=True)).tokens
    pinned = SettingsSpace.build(CompileOptions(target="export"), ("target",))
    assert pinned.tokens == ("dynamic=False", "dynamic=True", BASE)  # what export takes
    chooser = SettingsAnnealing(space, seed=1)
    seen: set[str] = set()
    for _ in range(300):
        chosen = chooser.choose()
        targets = [s.value for s in chosen if s.name == "target"]
        seen.update(targets)
        if targets == ["export"]:
            assert {s.name for s in chosen} <= {"target", "dynamic"}, chosen
        if targets == ["aoti"]:
            assert not any(s.name in ("backward", "fullgraph", "mode") for s in chosen), chosen
        chooser.observe(Feedback(Program("", "p", ops=("add",)), Verdict(Outcome.PASS), 1,
                                 settings=chosen))  # fmt: skip
    assert seen == {"export", "aoti"}
