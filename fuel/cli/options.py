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
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from fuel.errors import UsageError
from fuel.execute.records import CompileOptions

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_TARGET = CompileOptions().target
BACKENDS = ("inductor", "eager", "aot_eager", "aot_eager_decomp_partition", "cudagraphs")
MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


@dataclass(frozen=True, slots=True)
class RunLimits:
    """What each worker may spend, and how many workers (None: the command's default)."""

    timeout_s: float
    memory_mb: int
    jobs: int | None


def compile_options(func: F) -> F:
    """--target --backend --mode --dynamic --fullgraph --backward --device --timeout
    --memory-mb -j, given to the command as ``options: CompileOptions`` and ``limits:
    RunLimits``."""

    @functools.wraps(func)
    def command(
        *args: Any,
        target: str,
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
        options = CompileOptions(backend, chosen, dynamic, fullgraph, backward, device,
                                 target=target)  # fmt: skip
        require_target(options)
        limits = RunLimits(timeout, memory_mb, capped_jobs(jobs))
        return func(*args, options=options, limits=limits, **kwargs)

    decorators = [
        click.option("--target", default=DEFAULT_TARGET, show_default=True,
                     help="what is compared with eager: compile (torch.compile), export "
                     "(torch.export, then the exported program), aoti (export, then an "
                     "AOTInductor package); fuel fuzz chooses per test unless given"),
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
                     show_default=True,
                     help="memory a test may allocate, beyond the worker's own (torch's)"),
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


def require_target(options: CompileOptions) -> None:
    """One line for a target fuel does not know, or a flag the target does not take."""
    from fuel.execute.targets import target_of

    refused = target_of(options).refuses(options)
    if refused:
        flags = ", ".join(f"--{s.name}" for s in refused)
        raise UsageError(f"--target {options.target} takes no {flags} (only torch.compile does)")


def require_device(device: str) -> None:
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device cuda needs a CUDA GPU, and none is available here")


def capped_jobs(jobs: int | None) -> int | None:
    """``-j``, at most the cores here: each worker compiles on a core of its own, and more
    would only slow every test down (and each may take ``--memory-mb``)."""
    cores = os.cpu_count() or 1
    if jobs is None or jobs <= cores:
        return jobs
    click.echo(f"fuel: -j {jobs} is more workers than the {cores} cores here: running {cores}",
               err=True)  # fmt: skip
    return cores


def default_jobs(jobs: int | None, work_items: int | None = None) -> int:
    count = jobs or os.cpu_count() or 1
    return max(1, min(count, work_items)) if work_items else count


def also_on_option(func: F) -> F:
    """--also-on PYTHON (repeatable), given to the command as ``also_on``: the builds of
    torch behind those interpreters (``fuel.triage.builds.Build``), each asked for its
    version once, at the start, so that a wrong path is one line before any work."""

    @functools.wraps(func)
    def command(*args: Any, also_on: tuple[str, ...], **kwargs: Any) -> Any:
        from fuel.triage.builds import builds_of

        return func(*args, also_on=builds_of(also_on), **kwargs)

    wrapped: Any = click.option(
        "--also-on", "also_on", multiple=True, metavar="PYTHON",
        help="also run each confirmed repro with this interpreter (another virtual "
        "environment, another torch build) and report where it shows; repeatable",
    )(command)  # fmt: skip
    return cast(F, wrapped)


def known_issues_option(func: F) -> F:
    """--known-issues FILE, given to the command as ``known`` (a ``KnownIssues``): the
    shipped rules for the installed torch, then the file's, read at the start (a bad
    file is one line before any work), and applied as a campaign applies them."""

    @functools.wraps(func)
    def command(*args: Any, known_issues: Any, **kwargs: Any) -> Any:
        from fuel.store.known import load_known_issues

        return func(*args, known=load_known_issues(known_issues), **kwargs)

    wrapped: Any = click.option(
        "--known-issues", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None, help="rules for bugs already reported, beside the shipped ones: a bug "
        "that matches one is marked known",
    )(command)  # fmt: skip
    return cast(F, wrapped)
