"""``fuel fuzz``: a feedback-driven campaign against torch.compile.

Exit codes (:mod:`fuel.cli.exits`): 0 when the campaign ran to its limit; 130 when
Ctrl-C stopped it and 143 for SIGTERM (the summary is printed, everything recorded is
kept; continue with ``--resume``); 2 for usage errors, or when an error ended it (a full
disk, say: the summary is printed first).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from fuel.campaign.measure import DEFAULT_POLICY, POLICIES
from fuel.cli import exits
from fuel.cli.options import (
    RunLimits,
    Safety,
    also_on_option,
    compile_options,
    default_jobs,
    require_device,
    safety_options,
)
from fuel.errors import UsageError
from fuel.execute.records import CompileOptions
from fuel.feedback.reward import DEFAULT_REWARD, REWARDS
from fuel.llm.options import llm_options

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
STDERR_LOG = "stderr.log"  # in OUT: the campaign process's stderr under the live panel
# Flags a resume may change (their CampaignSettings names); the others are the campaign's.
RESUMABLE_FLAGS = {
    "max_round": "max_rounds",
    "time_limit": "time_limit_s",
    "jobs": "jobs",
    "no_reduce": "process_bugs",
    "timeout": "timeout_s",
    "memory_mb": "memory_mb",
    "known_issues": "known_issues",
    "seen": "seen",
    "coverage_policy": "coverage_policy",
}
# Not settings of the campaign: how it is shown, and where its workers run.
DISPLAY_FLAGS = {"quiet", "log_mode", "resume", "lib", "ray_address", "workers_per_node"}


def parse_duration(text: str) -> float:
    """'30m' -> 1800.0; '90s', '2h', '1d', or plain seconds."""
    match = DURATION.match(text)
    if not match or float(match[1]) <= 0:
        raise UsageError(f"--time {text!r}: expected a duration such as 90s, 30m, 2h or 1d")
    return float(match[1]) * UNITS[match[2]]


def generator_options(params: dict[str, Any]) -> tuple[object, ...]:
    """The settings records of generator families, from their flags.

    ``@llm_options`` (``fuel.llm.options``) adds the ``llm_*`` flags to ``command``;
    they arrive here in ``params`` and become one ``LLMSettings``. ``--no-motifs``
    becomes the built-in generator's ``BuiltinSettings``. Like the LLM's, it is given
    again on ``--resume`` (generator options are not stored)."""
    found: list[object] = []
    if params.get("no_motifs"):
        from fuel.generate.builtin import BuiltinSettings

        found.append(BuiltinSettings(motifs=False))
    if any(name.startswith("llm_") for name in params):
        from fuel.llm.options import settings_from_params

        found.append(settings_from_params(params))
    return tuple(found)


def wiring(no_reduce: bool, also_on: tuple[Any, ...] = ()) -> Any:
    """What this command plugs into the campaign: the bug processors (``also_on``: the
    other torch builds, ``fuel.triage.builds.Build``, each confirmed repro runs on)."""
    from fuel.campaign.hooks import BugProcessor
    from fuel.campaign.session import Wiring
    from fuel.triage.processor import reducer

    return Wiring(() if no_reduce else (BugProcessor("reduce", reducer(also_on)),))


@contextmanager
def on_cluster(address: str | None, workers_per_node: int | None, device: str) -> Iterator[Any]:
    """The Ray cluster at ``address`` (a ``fuel.cluster.connect.Cluster``), joined for
    the command's duration; None without ``--ray``, and then Ray is never imported."""
    if address is None:
        yield None
        return
    from fuel.cluster.connect import Cluster
    from fuel.cluster.records import ClusterSettings

    with Cluster(ClusterSettings(address, workers_per_node, device)) as cluster:
        yield cluster


@click.command("fuzz")
@click.option(
    "--lib", default="pytorch", show_default=True, help="library under test (only pytorch so far)"
)
@click.option(
    "--generator",
    default="builtin",
    show_default=True,
    help="program generator: builtin, llm, hybrid",
)
@click.option(
    "--heuristic",
    default="fasa",
    show_default=True,
    help="operator selection: fasa (also SA), random, uniform",
)
@click.option(
    "--max-round",
    "--max_round",
    "max_round",
    type=click.IntRange(min=1),
    default=None,
    help="stop after this many tests (over all runs)",
)
@click.option(
    "--time",
    "time_limit",
    default=None,
    help="stop after this long (over all runs): 90s, 30m, 2h; bugs not yet reduced "
    "by then are left for `fuel reduce OUT`",
)
@compile_options
@click.option(
    "--validate",
    type=click.Choice(("compiler", "device")),
    default="compiler",
    show_default=True,
    help="compiler: eager vs torch.compile; device: CPU vs CUDA (needs a GPU)",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="campaign directory (default: results/fuzz-DATE-TIME)",
)
@click.option(
    "--resume",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="continue the campaign in this directory",
)
@click.option("--seed", type=int, default=None, help="campaign seed (default: random)")
@click.option(
    "--coverage/--no-coverage",
    default=True,
    show_default=True,
    help="measure line coverage of torch's compiler (steers FASA, grows the corpus)",
)
@click.option(
    "--coverage-policy",
    type=click.Choice(POLICIES),
    default=DEFAULT_POLICY,
    show_default=True,
    help="which tests have their coverage measured: all; new (tests with an operator or "
    "setting measured fewer than twice yet, and mutants); sampled (new, and a quarter "
    "of the rest)",
)
@click.option(
    "--known-issues",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="rules for bugs already reported: counted, not reported",
)
@click.option(
    "--seen",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    multiple=True,
    metavar="OUT_DIR",
    help="an earlier campaign whose bugs are not new here: counted as seen, not reported, "
    "not rewarded (repeatable)",
)
@click.option(
    "--reward",
    type=click.Choice(REWARDS),
    default=DEFAULT_REWARD,
    show_default=True,
    help="FASA's reward: fresh (only bugs neither known nor seen, new lines weighted where "
    "bugs were found, per worker-second); classic (any new signature, new lines, per test)",
)
@click.option("--no-reduce", is_flag=True, help="run no bug processors (reduction, reports)")
@also_on_option
@click.option(
    "--ray",
    "ray_address",
    default=None,
    metavar="ADDRESS",
    help="run the workers on a Ray cluster: its address (host:port, ray://host:port), or "
    "auto for the cluster `ray start` made on this machine; the campaign directory and "
    "the generator stay here",
)
@click.option(
    "--workers-per-node",
    type=click.IntRange(min=1),
    default=None,
    help="with --ray: workers on each node (default: its CPUs, or its GPUs with --device cuda)",
)
@click.option(
    "--no-motifs",
    is_flag=True,
    help="the built-in generator's walk alone, without its motifs (a baseline)",
)
@click.option(
    "--settings",
    "settings_mode",
    type=click.Choice(("default", "explore")),
    default="explore",
    show_default=True,
    help="explore: each test also gets compile settings (dynamic, backward, fullgraph, mode, "
    "compiler configs) chosen by feedback, except the families the flags pin; default: "
    "every test with the compile flags given",
)
@safety_options
@llm_options
@click.option("-q", "--quiet", is_flag=True, help="print only the final summary")
@click.option(
    "--log",
    "log_mode",
    is_flag=True,
    help="one line per test (the default when stdout is not a terminal)",
)
@click.pass_context
def command(
    ctx: click.Context,
    lib: str,
    generator: str,
    heuristic: str,
    max_round: int | None,
    time_limit: str | None,
    options: CompileOptions,
    limits: RunLimits,
    validate: str,
    out: Path | None,
    resume: Path | None,
    seed: int | None,
    coverage: bool,
    coverage_policy: str,
    known_issues: Path | None,
    seen: tuple[Path, ...],
    reward: str,
    no_reduce: bool,
    also_on: tuple[Any, ...],
    ray_address: str | None,
    workers_per_node: int | None,
    settings_mode: str,
    safety: Safety,
    quiet: bool,
    log_mode: bool,
    **generator_params: Any,
) -> int:
    """Generate programs, run them eagerly and compiled, and keep what breaks.

    Each round picks operators (FASA learns from coverage, validity and bugs), makes a
    program around them, checks it in a warm sandboxed worker and records the verdict
    in OUT/campaign.db; bugs go to OUT/bugs/ and OUT/bug_reports.txt. Without --time
    or --max-round it runs until Ctrl-C. `fuel status OUT` shows a running campaign.
    """
    if lib.lower() not in ("pytorch", "torch"):
        raise UsageError(f"--lib {lib}: not supported yet (fuel fuzzes pytorch only)")
    limit_s = parse_duration(time_limit) if time_limit is not None else None
    if validate == "device":
        require_gpu_for_device_validation()
        options = replace(options, device="cuda", validate=validate)
    require_device(options.device)
    require_placement(ray_address, workers_per_node, limits.jobs)
    from fuel.campaign import session
    from fuel.campaign.settings import CampaignSettings

    extra = generator_options(generator_params)
    argv = sys.argv[:]
    display, live = make_display(quiet, log_mode)
    target = resume if resume is not None else (out or default_out())
    with (
        stop_on_sigterm() as terminations,
        stderr_into(target / STDERR_LOG if live else None),
        on_cluster(ray_address, workers_per_node, options.device) as cluster,
    ):
        try:
            wired, jobs = wiring(no_reduce, also_on), default_jobs(limits.jobs)
            if cluster is not None:
                wired = replace(wired, pool_factory=cluster.start_pool, pool_report=cluster.report)
                jobs = max(1, cluster.planned_workers())
                display.note(f"joined the Ray cluster at {ray_address}: {jobs} worker(s) offered")
            if resume is not None:
                changes = resume_changes(ctx, out, extra, set(generator_params))
                if cluster is not None:
                    changes["jobs"] = jobs
                session.refuse_spent_limits(resume, changes)
                finished = session.resume(changes, resume, display, argv, wired)
            else:
                settings = CampaignSettings(
                    out=target,
                    generator=generator,
                    heuristic=heuristic,
                    seed=seed if seed is not None else int.from_bytes(os.urandom(4), "big"),
                    max_rounds=max_round,
                    time_limit_s=limit_s,
                    jobs=jobs,
                    options=options,
                    coverage=coverage,
                    coverage_policy=coverage_policy,
                    timeout_s=limits.timeout_s,
                    memory_mb=limits.memory_mb,
                    known_issues=known_issues.resolve() if known_issues else None,
                    seen=tuple(path.resolve() for path in seen),
                    reward=reward,
                    process_bugs=not no_reduce,
                    allow_unsafe=safety.allow_unsafe,
                    sandbox=safety.sandbox,
                    generator_options=extra,
                    settings_mode=settings_mode,
                    pinned=pinned_families(ctx),
                )
                display.note(f"campaign in {settings.out} (seed {settings.seed})")
                finished = session.start(settings, display, argv, wired)
        finally:
            display.close()
    click.echo(render(finished.summary))
    click.echo(f"{'stopped':14} {finished.reason}")
    if finished.error is not None:
        raise finished.error
    if finished.reason == "interrupted":
        raise interruption(target, bool(terminations))
    return exits.OK


def pinned_families(ctx: click.Context) -> tuple[str, ...]:
    """The compile-setting families the command line fixes: each family's flag (named
    as the family) given explicitly."""
    from fuel.execute.options import SettingFamily

    flags = [family.value for family in SettingFamily if family.value in ctx.params]
    given = [flag for flag in flags
             if ctx.get_parameter_source(flag) is click.core.ParameterSource.COMMANDLINE]
    return tuple(sorted(given))


def resume_changes(
    ctx: click.Context, out: Path | None, extra: tuple[object, ...], generator_flags: set[str]
) -> dict[str, Any]:
    """The settings a resume's command line changes; an error for flags it may not change."""
    if out is not None:
        raise UsageError("--out and --resume exclude each other: --resume names the directory")
    params = ctx.params
    changes: dict[str, Any] = {"generator_options": extra}
    for name, param in ((p.name, p) for p in ctx.command.params if p.name):
        source = ctx.get_parameter_source(name)
        mine = name not in DISPLAY_FLAGS and name not in generator_flags
        if source is not click.core.ParameterSource.COMMANDLINE or not mine:
            continue
        if name not in RESUMABLE_FLAGS:
            flag = param.opts[0] if isinstance(param, click.Option) else name
            raise UsageError(
                f"{flag} cannot change on --resume: the campaign keeps its "
                f"settings (only {', '.join(sorted(RESUMABLE_FLAGS))} may)"
            )
        value = params[name]
        if name == "time_limit":
            value = parse_duration(value)
        elif name == "no_reduce":
            value = not value
        elif name == "jobs":
            value = default_jobs(value)
        elif name == "known_issues":
            value = value.resolve()
        elif name == "seen":
            value = tuple(path.resolve() for path in value)
        changes[RESUMABLE_FLAGS[name]] = value
    return changes


def require_placement(address: str | None, workers_per_node: int | None, jobs: int | None) -> None:
    if address is None and workers_per_node is not None:
        raise UsageError("--workers-per-node places workers on a Ray cluster: it needs --ray")
    if address is not None and jobs is not None:
        raise UsageError("-j and --ray exclude each other: on a cluster, --workers-per-node "
                         "sets the workers of each node")  # fmt: skip


def require_gpu_for_device_validation() -> None:
    import torch

    if not torch.cuda.is_available():
        raise UsageError(
            "--validate device compares the CPU with a CUDA GPU, and no CUDA GPU is available here"
        )


def default_out() -> Path:
    return Path("results") / time.strftime("fuzz-%Y%m%d-%H%M%S")


def make_display(quiet: bool, log_mode: bool) -> tuple[Any, bool]:
    """The display, and whether it is the live panel."""
    from fuel.campaign.display import LineDisplay, LiveDisplay, QuietDisplay

    if quiet:
        return QuietDisplay(), False
    if log_mode or not sys.stdout.isatty():
        return LineDisplay(sys.stdout), False
    from rich.console import Console

    return LiveDisplay(Console()), True


@contextmanager
def stderr_into(path: Path | None) -> Iterator[None]:
    """While the live panel is drawn, send this process's stderr to ``path``.

    Generation runs in this process, and torch logs from it (C++ and Python, straight
    to file descriptor 2) would tear the panel apart; they are kept in OUT/stderr.log
    instead. Workers have their own logs. Nothing changes for --log and --quiet."""
    made = path is not None and not path.parent.exists()
    try:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            log = open(path, "ab")  # noqa: SIM115 (closed once duplicated)
    except OSError:  # an unwritable OUT: the campaign's store says so in one line
        path = None
    if path is None:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        if made and not (path.parent / "campaign.db").exists():  # no campaign was made
            with contextlib.suppress(OSError):
                path.unlink()
                path.parent.rmdir()


def render(summary: Any) -> str:
    from fuel.campaign.display import render_summary

    return render_summary(summary)


@contextmanager
def stop_on_sigterm() -> Iterator[list[int]]:
    """SIGTERM stops the campaign like Ctrl-C: summary printed, results kept. Inside:
    the list of the SIGTERMs received (the exit code tells SIGTERM from Ctrl-C)."""
    received: list[int] = []

    def interrupt(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def interruption(out: Path, terminated: bool) -> exits.Interrupted:
    """What stops the command once an interrupted campaign printed its summary."""
    kept = f"every test recorded is kept; go on with `fuel fuzz --resume {out}`"
    if terminated:
        return exits.Terminated(f"stopped by SIGTERM: {kept}")
    return exits.Interrupted(f"interrupted: {kept}")
