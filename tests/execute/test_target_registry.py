"""The targets' facts, read without building anything: names, ladders, what each takes."""

from __future__ import annotations

import pytest

from fuel.errors import UsageError
from fuel.execute.options import CompileSetting
from fuel.execute.records import CompileOptions
from fuel.execute.targets import names, target_named


def test_three_targets_are_registered_and_another_name_is_one_line() -> None:
    assert names() == ("aoti", "compile", "export")
    with pytest.raises(UsageError, match="unknown target 'tvm'"):
        target_named("tvm")


def test_each_target_names_its_ladder() -> None:
    options = CompileOptions(target="aoti", dynamic=True)
    assert [layer.name for layer in target_named("aoti").layers(options)] == ["export", "aoti"]
    exported = target_named("aoti").layers(options)[0].options
    assert (exported.target, exported.dynamic) == ("export", True)
    assert [layer.name for layer in target_named("export").layers(options)] == ["export"]
    ladder = target_named("compile").layers(CompileOptions(backend="aot_eager"))
    assert [(layer.name, layer.trial) for layer in ladder] == [
        ("eager", "backend='eager'"), ("aot_eager", "backend='aot_eager'")]  # fmt: skip


def test_each_target_takes_only_the_settings_that_apply_to_it() -> None:
    freezing, dynamo = CompileSetting("inductor.freezing", True), CompileSetting(
        "dynamo.capture_scalar_outputs", True)  # fmt: skip
    backward, dynamic = CompileSetting("backward", True), CompileSetting("dynamic", True)
    assert all(target_named("compile").accepts(s) for s in (freezing, dynamo, backward))
    assert [target_named("export").accepts(s) for s in (freezing, backward, dynamic)] == [
        False, False, True]  # fmt: skip
    assert [target_named("aoti").accepts(s) for s in (freezing, dynamo, backward, dynamic)] == [
        True, False, False, True]  # fmt: skip
    assert target_named("export").refuses(CompileOptions(target="export", backward=True)) == (
        backward,)  # fmt: skip
