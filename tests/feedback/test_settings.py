"""Compile settings per test: the space, how tokens apply, and the annealer's choices."""

from __future__ import annotations

from fuel.execute.records import CompileOptions
from fuel.feedback.record import Feedback
from fuel.feedback.settings import (
    BASE,
    MAX_SETTINGS,
    SettingsAnnealing,
    SettingsSpace,
    apply,
    family_of,
    settings_used,
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


def test_tokens_change_the_base_options_one_family_each() -> None:
    base = CompileOptions()
    options = apply(base, ("dynamic=True", "inductor.freezing=True", "dynamic=False", BASE))
    assert options.dynamic is True and options.config == (("inductor.freezing", True),)
    assert apply(base, ("mode=max-autotune-no-cudagraphs",)).mode == "max-autotune-no-cudagraphs"
    assert apply(base, ()) == base == apply(base, (BASE,))


def test_the_annealer_proposes_few_settings_one_per_family_and_learns_from_tests() -> None:
    space = SettingsSpace.build(CompileOptions())
    chooser = SettingsAnnealing(space, seed=3)
    seen: set[str] = set()
    rewarded = ""  # the first setting proposed: the only one whose tests find new code
    for index in range(200):
        tokens = chooser.propose()
        assert len(tokens) <= MAX_SETTINGS
        assert len({family_of(t) for t in tokens}) == len(tokens)
        rewarded = rewarded or (tokens[0] if tokens else "")
        seen |= set(tokens)
        program = Program("", f"p{index}", ops=("add",))
        chooser.observe(Feedback(program, Verdict(Outcome.PASS), 50 if rewarded in tokens else 0,
                                 settings=tokens))  # fmt: skip
    assert len(seen) > 5  # it explores
    others = sorted(s.uses for token, s in chooser.stats.items() if token != rewarded)
    assert chooser.stats[rewarded].uses > others[len(others) // 2]  # the median setting


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


def test_settings_used_counts_tests_per_family_and_value() -> None:
    rows = [((), 60), (("dynamic=True",), 30), (("dynamic=False", "backward=True"), 10)]
    used = settings_used(rows)
    assert used["dynamic"] == {"True": 30, "False": 10, "default": 60}
    assert used["backward"] == {"True": 10, "default": 90}
