"""A snapshot of process-wide settings puts back whatever a program changed."""

from __future__ import annotations

import os
import warnings

import torch
import torch._dynamo.config as dynamo_config
import torch._inductor.config as inductor_config

from fuel.execute import state


def test_restore_undoes_what_a_program_changes() -> None:
    before = state.take()
    fallback, cache_limit = inductor_config.fallback_random, dynamo_config.cache_size_limit
    try:
        torch.set_default_dtype(torch.float64)
        torch.set_grad_enabled(False)
        torch.use_deterministic_algorithms(True, warn_only=True)
        with state.unfrozen_flags():  # an earlier test may have imported torch.testing
            torch.backends.cudnn.deterministic = True
        torch.set_float32_matmul_precision("medium")
        inductor_config.fallback_random = not fallback
        inductor_config.triton.cudagraphs = True
        dynamo_config.cache_size_limit = cache_limit + 7
        os.environ["TORCHINDUCTOR_FUEL_TEST"] = "1"
        os.environ.pop("HOME", None)
        warnings.simplefilter("error")
    finally:
        state.restore(before)
    assert torch.get_default_dtype() is torch.float32
    assert torch.is_grad_enabled()
    assert not torch.are_deterministic_algorithms_enabled()
    assert not torch.backends.cudnn.deterministic
    assert torch.get_float32_matmul_precision() == "highest"
    assert inductor_config.fallback_random == fallback
    assert inductor_config.triton.cudagraphs is False
    assert dynamo_config.cache_size_limit == cache_limit
    assert "TORCHINDUCTOR_FUEL_TEST" not in os.environ and "HOME" in os.environ
    assert list(warnings.filters) == before.warning_filters


def test_restore_brings_back_the_default_device() -> None:
    before = state.take()
    try:
        torch.set_default_device("meta")
        assert torch.empty(1).device.type == "meta"
    finally:
        state.restore(before)
    assert torch.empty(1).device.type == "cpu"


def test_a_config_patched_by_the_program_is_seen_as_default_again() -> None:
    before = state.take()
    inductor_config.max_autotune = True
    state.restore(before)
    assert inductor_config.get_config_copy()["max_autotune"] is False
