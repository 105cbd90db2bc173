"""Process-wide settings a program can change, saved before a job and restored after.

A warm worker runs hundreds of programs in one interpreter. A program that sets the
default dtype, a compiler config, an environment variable or grad mode would
otherwise change how every later program on that worker runs (and is judged). The
worker takes a :class:`Snapshot` before each job and restores it afterwards.

Compiler configs are torch's ``ConfigModule`` objects (every one imported so far);
their values live in context variables, so the snapshot keeps each entry's override
and the environment values torch read, and restoring marks the module's caches dirty.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import torch
from torch.utils._config_module import ConfigModule

# (getter, setter) pairs for torch's global switches that have both.
SWITCHES: tuple[tuple[Callable[[], Any], Callable[[Any], Any]], ...] = (
    (torch.get_default_dtype, torch.set_default_dtype),
    (torch.is_grad_enabled, torch.set_grad_enabled),
    (torch.get_num_threads, torch.set_num_threads),
    (torch.get_float32_matmul_precision, torch.set_float32_matmul_precision),
    (torch.is_anomaly_enabled, torch.set_anomaly_enabled),
    (torch.is_warn_always_enabled, torch.set_warn_always),
)
# torch.backends flags, as (module, attribute).
BACKEND_FLAGS = (
    (torch.backends.cudnn, "enabled"),
    (torch.backends.cudnn, "benchmark"),
    (torch.backends.cudnn, "deterministic"),
    (torch.backends.cudnn, "allow_tf32"),
    (torch.backends.cuda.matmul, "allow_tf32"),
    (torch.backends.cuda.matmul, "allow_fp16_reduced_precision_reduction"),
    (torch.backends.cuda.matmul, "allow_bf16_reduced_precision_reduction"),
    (torch.backends.mkldnn, "enabled"),
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    switches: tuple[Any, ...]
    backend_flags: tuple[Any, ...]
    deterministic: tuple[bool, bool]
    default_device: torch.device
    environ: dict[str, str]
    sys_path: list[str]
    recursion_limit: int
    warning_filters: list[Any]
    configs: dict[str, dict[str, tuple[Any, Any, Any, bool]]]


def config_modules() -> dict[str, ConfigModule]:
    return {
        name: module
        for name, module in list(sys.modules.items())
        if isinstance(module, ConfigModule)
    }


def _entries(module: ConfigModule) -> dict[str, Any]:
    return dict(getattr(module, "_config", {}))


def take() -> Snapshot:
    configs = {
        name: {
            key: (entry.user_override.get(), entry.env_value_force, entry.env_value_default,
                  entry.hide)
            for key, entry in _entries(module).items()
        }
        for name, module in config_modules().items()
    }  # fmt: skip
    return Snapshot(
        switches=tuple(get() for get, _ in SWITCHES),
        backend_flags=tuple(getattr(m, a, None) for m, a in BACKEND_FLAGS),
        deterministic=(
            torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled(),
        ),
        default_device=torch.get_default_device(),
        environ=dict(os.environ),
        sys_path=list(sys.path),
        recursion_limit=sys.getrecursionlimit(),
        warning_filters=list(warnings.filters),
        configs=configs,
    )


def unfrozen_flags() -> contextlib.AbstractContextManager[Any]:
    """torch.backends' own switch that lets flags be set after they were frozen."""
    allow = getattr(torch.backends, "__allow_nonbracketed_mutation", None)
    return allow() if callable(allow) else contextlib.nullcontext()


def restore(saved: Snapshot) -> None:
    """Put every setting of ``saved`` back; a setting that cannot be restored is left."""
    for (get, put), value in zip(SWITCHES, saved.switches, strict=True):
        if get() != value:
            with contextlib.suppress(Exception):
                put(value)
    with unfrozen_flags():  # a program may have frozen them (torch.testing does)
        for (module, attribute), value in zip(BACKEND_FLAGS, saved.backend_flags, strict=True):
            if value is not None and getattr(module, attribute, None) != value:
                with contextlib.suppress(Exception):
                    setattr(module, attribute, value)
    if (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
    ) != saved.deterministic:
        torch.use_deterministic_algorithms(saved.deterministic[0], warn_only=saved.deterministic[1])
    if torch.get_default_device() != saved.default_device:
        cpu = saved.default_device.type == "cpu"
        torch.set_default_device(None if cpu else saved.default_device)
    torch.set_flush_denormal(False)  # no getter; fuel's workers never set it
    if dict(os.environ) != saved.environ:
        os.environ.clear()
        os.environ.update(saved.environ)
    sys.path[:] = saved.sys_path
    sys.setrecursionlimit(saved.recursion_limit)
    cast(list[Any], warnings.filters)[:] = saved.warning_filters
    restore_configs(saved.configs)


def restore_configs(saved: dict[str, dict[str, tuple[Any, Any, Any, bool]]]) -> None:
    for name, module in config_modules().items():
        values = saved.get(name, {})
        changed = False
        for key, entry in _entries(module).items():
            if key not in values:
                continue
            override, force, default, hide = values[key]
            now = (entry.user_override.get(), entry.env_value_force, entry.env_value_default,
                   entry.hide)  # fmt: skip
            if _same(now, values[key]):
                continue
            entry.user_override.set(override)
            entry.env_value_force, entry.env_value_default, entry.hide = force, default, hide
            changed = True
        if changed:
            _mark_dirty(module)


def _same(now: tuple[Any, ...], saved: tuple[Any, ...]) -> bool:
    if all(a is b for a, b in zip(now, saved, strict=True)):
        return True
    try:
        return bool(now == saved)
    except Exception:  # a value whose == raises: treat it as changed
        return False


def _mark_dirty(module: ConfigModule) -> None:
    """Drop the module's cached hash and dict of values (both are context variables)."""
    marks = (("_hash_dirty_var", True), ("_get_dict_dirty_keys_var", None),
             ("_get_dict_cache_var", None))  # fmt: skip
    for attribute, value in marks:
        variable = getattr(module, attribute, None)
        if variable is not None:
            variable.set(value)
