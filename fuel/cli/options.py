"""Options shared by the commands that run programs (check, fuzz, reduce, replay).

``@compile_options`` adds the compile flags and the workers' limits, and hands the
command what they mean, built once: ``options`` (a ``CompileOptions``) and ``limits``
(a :class:`RunLimits`). ``@safety_options`` adds ``--allow-unsafe`` and ``--no-sandbox``
and hands the command ``safety`` (a :class:`Safety`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import click

from fuel.errors import UsageError
from fuel.execute.records import CompileOptions

F = TypeVar("F", bound=Callable[..., Any])

BACKENDS = ("inductor", "eager", "aot_eager", "aot_eager_decomp_partition", "cudagraphs")
MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


@dataclass(frozen=True, slots=True)
class RunLimits:
    """What each worker may spend, and how many workers (None: the command's default)."""

    timeout_s: float
    memory_mb: int
    jobs: int | None


def compile_options(func: F) -> F:
    """--backend --mode --dynamic --fullgraph --backward --device --timeout --memory-mb -j,
    given to the command as ``options: CompileOptions`` and ``limits: RunLimits``."""

    @functools.wraps(func)
    def command(
        *args: Any,
        backend: str,
        mode: str | None,
        dynamic: bool | None,
        fullgraph: bool,
        backward: bool,
        device: str,
        timeout: float,
        memory_mb: int,
        jobs: int | None,
        **kwargs: Any,
    ) -> Any:
        require_device(device)
        chosen = None if mode == "default" else mode  # torch.compile's own default
        options = CompileOptions(backend, chosen, dynamic, fullgraph, backward, device)
        limits = RunLimits(timeout, memory_mb, jobs)
        return func(*args, options=options, limits=limits, **kwargs)

    decorators = [
        click.option("--backend", type=click.Choice(BACKENDS), default="inductor",
                     show_default=True, help="torch.compile backend"),
        click.option("--mode", type=click.Choice(MODES), default=None, help="torch.compile mode"),
        click.option("--dynamic/--static", "dynamic", default=None,
                     help="dynamic shapes (default: torch's automatic choice)"),
        click.option("--fullgraph", is_flag=True, help="fail on graph breaks"),
        click.option("--backward", is_flag=True, help="also compare gradients"),
        click.option("--device", type=click.Choice(("cpu", "cuda")), default="cpu",
                     show_default=True),
        click.option("--timeout", type=click.FloatRange(min=1), default=60.0,
                     show_default=True, help="seconds per test"),
        click.option("--memory-mb", type=click.IntRange(min=256), default=4096,
                     show_default=True, help="address-space limit per worker"),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                     help="worker processes (default: number of cores)"),
    ]  # fmt: skip
    wrapped: Any = command
    for decorator in reversed(decorators):
        wrapped = decorator(wrapped)
    return wrapped


@dataclass(frozen=True, slots=True)
class Safety:
    """fuel's two defences against untrusted programs, each of which a flag turns off.

    The static check refuses only what the sandbox cannot contain (see
    :mod:`fuel.program.static_check`); the sandbox (:mod:`fuel.execute.sandbox`) is the
    boundary. ``--allow-unsafe`` turns off the first, ``--no-sandbox`` the second."""

    static_check: bool = True
    sandbox: bool = True

    @property
    def allow_unsafe(self) -> bool:
        return not self.static_check


def safety_options(func: F) -> F:
    """--allow-unsafe --no-sandbox, given to the command as ``safety: Safety``."""

    @functools.wraps(func)
    def command(*args: Any, allow_unsafe: bool, no_sandbox: bool, **kwargs: Any) -> Any:
        safety = Safety(static_check=not allow_unsafe, sandbox=not no_sandbox)
        return func(*args, safety=safety, **kwargs)

    wrapped: Any = command
    wrapped = click.option(
        "--no-sandbox", is_flag=True,
        help="run programs outside the sandbox (no Landlock, namespace, audit hook): "
        "only for your own trusted files",
    )(wrapped)  # fmt: skip
    wrapped = click.option(
        "--allow-unsafe", is_flag=True,
        help="skip the static check; the sandbox still contains the program",
    )(wrapped)  # fmt: skip
    return cast(F, wrapped)


def require_device(device: str) -> None:
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device cuda needs a CUDA GPU, and none is available here")


def default_jobs(jobs: int | None, work_items: int | None = None) -> int:
    count = jobs or os.cpu_count() or 1
    return max(1, min(count, work_items)) if work_items else count
