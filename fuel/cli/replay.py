"""``fuel replay OUT|BUG_DIR...``: which stored bugs the installed torch still shows."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from fuel.store.bugdir import BuildCheck
    from fuel.triage.builds import Build

from fuel.cli import exits
from fuel.cli.options import (
    RunLimits,
    Safety,
    also_on_option,
    compile_options,
    safety_options,
)
from fuel.execute.records import CompileOptions


@click.command("replay")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))  # fmt: skip
@click.option("--original", is_flag=True, help="replay program.py even where reduced.py exists")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per bug")
@also_on_option
@safety_options
@compile_options
def command(
    paths: tuple[Path, ...],
    original: bool,
    as_json: bool,
    also_on: tuple[Build, ...],
    safety: Safety,
    options: CompileOptions,
    limits: RunLimits,
) -> int:
    """Re-run the bugs of each campaign OUT or BUG_DIR on the installed torch.

    Says which still reproduce, which are fixed (the program now passes) and which
    behave differently. Each bug runs with the options it was found with; the flags
    apply to bug directories that do not record theirs. With --also-on, each bug's
    confirmed repro also runs with those interpreters (other torch builds). Exit code 1
    when any bug still reproduces, 0 otherwise.
    """
    from fuel.check import Checker
    from fuel.execute.pool import PoolSettings, WorkerPool
    from fuel.judge.verdict import Verdict
    from fuel.triage.builds import check_builds
    from fuel.triage.replay import Replayed, bug_directories, replay

    bugs = list(bug_directories(paths, options))
    if not bugs:
        click.echo("no bugs to replay")
        return 0
    settings = PoolSettings(workers=limits.jobs or 1, timeout_s=limits.timeout_s,
                            memory_mb=limits.memory_mb, device=options.device,
                            sandbox=safety.sandbox)  # fmt: skip
    counts: Counter[str] = Counter()
    with WorkerPool(settings) as pool:

        def run(source: str, bug_options: CompileOptions) -> Verdict:
            return Checker(pool, bug_options, static_check=safety.static_check).verdict_of(source)

        def on_builds(repro: str, verdict: Verdict) -> tuple[BuildCheck, ...]:
            return check_builds(repro, verdict, also_on)

        for done in replay(bugs, run, original=original, on_builds=on_builds if also_on else None):
            if isinstance(done, str):
                counts["skipped"] += 1
                click.echo(done, err=as_json)
                continue
            assert isinstance(done, Replayed)
            counts[done.status.value] += 1
            click.echo(json.dumps(done.to_dict()) if as_json else done.line())
    if not as_json:
        parts = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
        click.echo(f"{sum(counts.values())} replayed: {parts}")
    if counts["reproduces"]:
        return exits.BUG
    if counts["skipped"] == sum(counts.values()):
        click.echo("fuel: no bug could be replayed: each was passed over, as its line says",
                   err=True)  # fmt: skip
        return exits.NOTHING_JUDGED
    return exits.OK
