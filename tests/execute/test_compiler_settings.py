"""A program's compiler settings apply to its compiled run only, environment included."""

from __future__ import annotations

import os

import torch._inductor.config as inductor_config

from fuel.execute.compiler_settings import applied, environment_effects
from fuel.program.record import Setting, SettingKind


def config(name: str, value: str) -> Setting:
    return Setting(SettingKind.CONFIG, name, value, 1)


def env(name: str, value: str) -> Setting:
    return Setting(SettingKind.ENVIRONMENT, name, value, 1)


def test_environment_variables_map_to_configs_through_torchs_own_source() -> None:
    assert environment_effects("TORCHINDUCTOR_FREEZING", "1") == [
        ("torch._inductor.config", "freezing", True)
    ]
    assert ("torch._inductor.config", "emulate_precision_casts", True) in environment_effects(
        "TORCHINDUCTOR_EMULATE_PRECISION_CASTS", "1"
    )
    assert environment_effects("TORCHINDUCTOR_NO_SUCH_SWITCH", "1") == []


def test_settings_hold_inside_and_are_undone_outside() -> None:
    settings = (
        config("torch._inductor.config.triton.cudagraphs", "True"),
        config("torch._inductor.config.max_autotune_gemm", "True"),
        env("TORCHINDUCTOR_FREEZING", "'1'"),
        config("torch._inductor.config.no_such_key", "1"),  # ignored, not fatal
        config("torch._inductor.config.epilogue_fusion", "some_variable"),  # not a literal
    )
    with applied(settings):
        assert inductor_config.triton.cudagraphs is True
        assert inductor_config.max_autotune_gemm is True
        assert inductor_config.freezing is True
        assert os.environ["TORCHINDUCTOR_FREEZING"] == "1"
    assert inductor_config.triton.cudagraphs is False
    assert inductor_config.freezing is False
    assert "TORCHINDUCTOR_FREEZING" not in os.environ
