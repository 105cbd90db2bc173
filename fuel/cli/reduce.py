"""``fuel reduce FILE|BUG_DIR|OUT``: shrink a bug, bisect it, confirm a repro, write a report."""

from __future__ import annotations

from pathlib import Path

import click

from fuel.cli.options import RunLimits, Safety, compile_options, safety_options
from fuel.execute.records import CompileOptions


@click.command("reduce")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
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
@click.option("--no-bisect", is_flag=True, help="skip the backend bisection")
@click.option(
    "--no-confirm",
    is_flag=True,
    help="do not run the repro in a fresh interpreter (faster; the repro is unchecked)",
)
@click.option("--stats", is_flag=True, help="print each pass's statistics")
@safety_options
@compile_options
def command(
    target: Path,
    out: Path | None,
    time_limit: float | None,
    no_bisect: bool,
    no_confirm: bool,
    stats: bool,
    safety: Safety,
    options: CompileOptions,
    limits: RunLimits,
) -> int:
    """Shrink the program of FILE or BUG_DIR while it shows the same bug.

    Given a campaign directory OUT, process every bug of it that a time limit or a
    kill left unreduced, with the campaign's own compile options.

    Writes DIR/reduced.py, DIR/repro.py (confirmed in a fresh interpreter) and
    DIR/report.md. The compile options of a bug directory (options.json) win over
    the flags. Exit code 0 when a confirmed repro was written, 1 otherwise.
    """
    if (target / "campaign.db").is_file():
        from fuel.campaign.session import process_pending_bugs
        from fuel.cli.fuzz import wiring

        process_pending_bugs(target, limits.jobs or 1, click.echo, wiring(no_reduce=False))
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

    bug, default_out = read_bug(target, options)
    settings = ReduceSettings(
        time_limit_s=time_limit or TIME_LIMIT_S,
        bisect=not no_bisect,
        confirm=not no_confirm,
        static_check=safety.static_check,
    )
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
    for name in ("reduced.py", "repro.py", "report.md"):
        if (done.directory / name).exists():
            click.echo(f"wrote {done.directory / name}")
    if done.report.repro is not None and not done.repro_confirmed:
        click.echo("the repro did not show the bug in a fresh interpreter (kept as "
                   "repro_unconfirmed.py)")  # fmt: skip
        return 1
    return 0
