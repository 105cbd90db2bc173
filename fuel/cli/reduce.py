"""``fuel reduce FILE|BUG_DIR|OUT``: shrink a bug, bisect it, confirm a repro, write a report."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from fuel.cli.options import (
    RunLimits,
    Safety,
    also_on_option,
    compile_options,
    known_issues_option,
    safety_options,
)
from fuel.errors import UsageError, os_reason
from fuel.execute.records import CompileOptions


@click.command("reduce")
@click.argument("given", metavar="FILE|BUG_DIR|OUT", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="where to write (default: the bug directory, or FILE-reduced/ beside FILE)",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=None,
    help="seconds for the reduction itself  [default: 120]",
)
@click.option("--no-bisect", is_flag=True,
              help="skip the backend bisection, the ablation and torch's CompilerBisector")
@click.option(
    "--bisector-time-limit",
    type=click.FloatRange(min=0),
    default=None,
    help="seconds for torch's CompilerBisector on the repro; 0 skips it  [default: 240]",
)
@click.option(
    "--no-confirm",
    is_flag=True,
    help="do not run the repro in a fresh interpreter (faster; the repro is unchecked)",
)
@click.option("--stats", is_flag=True, help="print each pass's statistics")
@also_on_option
@known_issues_option
@safety_options
@compile_options
def command(
    given: Path,  # not "target": --target (the compile target) takes that name
    out: Path | None,
    time_limit: float | None,
    no_bisect: bool,
    no_confirm: bool,
    stats: bool,
    bisector_time_limit: float | None,
    also_on: tuple[Any, ...],
    known: Any,
    safety: Safety,
    options: CompileOptions,
    limits: RunLimits,
) -> int:
    """Shrink the program of FILE or BUG_DIR while it shows the same bug.

    Given a campaign directory OUT, process every bug of it that a time limit or a
    kill left unreduced, with the campaign's own compile options.

    Writes DIR/reduced.py, DIR/repro.py (confirmed in a fresh interpreter) and
    DIR/report.md. The compile options of a bug directory (options.json) win over
    the flags. A bug that matches a known issue (shipped, or --known-issues) is
    reduced and reported all the same, and marked known. Exit code 0 when a
    confirmed repro was written, 1 otherwise.
    """
    if (given / "campaign.db").exists():
        from fuel.campaign.session import process_pending_bugs
        from fuel.cli.fuzz import wiring

        process_pending_bugs(given, limits.jobs or 1, click.echo,
                             wiring(no_reduce=False, also_on=also_on))  # fmt: skip
        return 0
    from fuel.check import Checker
    from fuel.execute.pool import PoolSettings, WorkerPool
    from fuel.reduce.driver import TIME_LIMIT_S
    from fuel.triage.pipeline import (
        ReduceSettings,
        candidate_timeout,
        process_bug,
        read_bug,
    )

    bug, default_out = read_bug(given, options)
    require_writable(out or default_out)
    settings = ReduceSettings(
        time_limit_s=time_limit or TIME_LIMIT_S,
        bisect=not no_bisect,
        confirm=not no_confirm,
        static_check=safety.static_check,
        also_on=also_on,
        known=known,
    )
    if bisector_time_limit is not None:
        settings = replace(settings, compiler_bisect_s=bisector_time_limit)
    timeout = candidate_timeout(bug, limits.timeout_s)
    pool_settings = PoolSettings(workers=limits.jobs or 1, timeout_s=timeout,
                                 memory_mb=limits.memory_mb, device=bug.options.device,
                                 sandbox=safety.sandbox)  # fmt: skip
    with WorkerPool(pool_settings) as pool:
        checker = Checker(pool, bug.options, static_check=safety.static_check)
        done = process_bug(bug, checker, out or default_out, settings, log=click.echo)
    if stats:
        for pass_stats in done.reduction.passes:
            click.echo(f"  {pass_stats.line()}")
    reduction = done.reduction
    if not reduction.reproduced:
        click.echo(f"not reduced: {reduction.reason.value}. {reduction.detail}")
        return 1
    click.echo(f"before: {reduction.before.line()}")
    click.echo(f"after:  {reduction.after.line()}")
    click.echo(f"title:  {done.title}")
    if done.report.known:
        click.echo(f"known:  {done.report.known} (already filed upstream)")
    for name in ("reduced.py", "repro.py", "report.md"):
        if (done.directory / name).exists():
            click.echo(f"wrote {done.directory / name}")
    if done.report.repro is not None and not done.repro_confirmed:
        click.echo("the repro did not show the bug in a fresh interpreter (kept as "
                   "repro_unconfirmed.py)")  # fmt: skip
        return 1
    return 0


def require_writable(directory: Path) -> None:
    """One line now, rather than after minutes of reduction, when the results cannot be
    written there (a read-only place, a full disk)."""
    probe = directory / f".fuel-probe-{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe.write_text("fuel", encoding="utf-8")
        probe.unlink()
    except OSError as error:
        raise UsageError(f"cannot write the results to {directory} ({os_reason(error)}): "
                         "name a writable place with --out") from None  # fmt: skip
