"""Compile settings: one record, one stored text, and how they change compile options."""

from __future__ import annotations

import pytest

from fuel import serial
from fuel.execute.options import (
    CompileSetting,
    SettingFamily,
    apply,
    changes,
    family_of,
    parse_all,
    texts,
)
from fuel.execute.records import CompileOptions
from fuel.judge.kinds import Kind
from fuel.judge.signature import RootCause

MODE = CompileSetting("mode", "max-autotune-no-cudagraphs")
FREEZING = CompileSetting("inductor.freezing", True)


def test_each_setting_has_one_text_that_reads_back_as_itself() -> None:
    found = (MODE, FREEZING, CompileSetting("dynamic", False),
             CompileSetting("functorch.activation_memory_budget", 0.5),
             CompileSetting("inductor.cpp.simdlen", 256))  # fmt: skip
    assert texts(found) == ["mode=max-autotune-no-cudagraphs", "inductor.freezing=True",
                            "dynamic=False", "functorch.activation_memory_budget=0.5",
                            "inductor.cpp.simdlen=256"]  # fmt: skip
    assert parse_all(texts(found)) == found
    # the quoted spelling root-cause classes once kept reads as the same setting
    assert CompileSetting.parse("mode='max-autotune-no-cudagraphs'") == MODE


def test_each_family_is_named_once_and_a_name_outside_them_is_refused() -> None:
    assert MODE.family is SettingFamily.MODE and FREEZING.family is SettingFamily.CONFIG
    assert FREEZING.config_module == "torch._inductor.config"
    assert CompileSetting("inductor.cpp.simdlen", 1).config_field == "cpp.simdlen"
    for bad in ("colour=red", "config=1", "triton.x=1", "inductor.=1", "=1", "dynamic"):
        with pytest.raises(ValueError):
            CompileSetting.parse(bad)
    assert family_of("fullgraph") is SettingFamily.FULLGRAPH


def test_apply_changes_and_without_undo_one_another() -> None:
    base = CompileOptions()
    options = apply(base, (CompileSetting("dynamic", True), FREEZING,
                           CompileSetting("dynamic", False), MODE))  # fmt: skip
    assert options.dynamic is True  # of one name, the first wins
    assert options.config == (("inductor.freezing", True),) and options.mode == MODE.value
    assert changes(options) == (CompileSetting("dynamic", True), FREEZING, MODE)
    assert apply(base, changes(options)) == options
    assert FREEZING.without(options).config == () and MODE.without(options).mode is None
    assert changes(base) == () and apply(base, ()) == base


def test_a_root_cause_keeps_its_settings_as_their_texts() -> None:
    cause = RootCause(Kind.COMPILE_CRASH, "inductor", ("aten.sin",), settings=(FREEZING, MODE))
    assert cause.text.endswith("|inductor.freezing=True,mode=max-autotune-no-cudagraphs")
    data = serial.to_data(cause)
    assert data["settings"] == ["inductor.freezing=True", "mode=max-autotune-no-cudagraphs"]
    assert serial.from_data(RootCause, data) == cause
    quoted = {**data, "settings": ["inductor.freezing=True", "mode='max-autotune-no-cudagraphs'"]}
    assert serial.from_data(RootCause, quoted) == cause
