"""``fuel check FILE...``: a truthful verdict for each program, fast."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from fuel.cli.options import RunLimits, Safety, compile_options, default_jobs, safety_options
from fuel.execute.records import CompileOptions


@click.command("check")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
@compile_options
@click.option("--json", "as_json", is_flag=True, help="one JSON object per file")
@click.option("--bisect", "bisecting", is_flag=True,
              help="find the first backend that shows each bug")  # fmt: skip
@safety_options
def command(
    files: tuple[Path, ...],
    options: CompileOptions,
    limits: RunLimits,
    as_json: bool,
    bisecting: bool,
    safety: Safety,
) -> int:
    """Run each FILE eagerly and compiled, and judge the difference.

    Exit code 0 when no bug was found, 1 when any was, 2 for usage errors.
    """
    from dataclasses import replace

    from fuel import serial
    from fuel.check import Checked, Checker
    from fuel.execute.pool import PoolSettings, WorkerPool
    from fuel.triage.ablation import ablate, bisection

    settings = PoolSettings(
        workers=default_jobs(limits.jobs, len(files)), timeout_s=limits.timeout_s,
        memory_mb=limits.memory_mb, device=options.device, sandbox=safety.sandbox,
    )  # fmt: skip
    counts: Counter[str] = Counter()
    with WorkerPool(settings) as pool:
        checker = Checker(pool, options, static_check=safety.static_check)
        pending = [(str(path), checker.submit_file(path)) for path in files]
        for name, future in pending:
            checked: Checked = future.result()
            verdict = checked.verdict
            if bisecting and verdict.is_bug:
                trials = ablate(checker, checked.program, verdict, ladder_only=True)
                verdict = replace(verdict, bisect=bisection(trials))
            counts[verdict.outcome.value] += 1
            if as_json:
                click.echo(json.dumps({"file": name, **serial.to_data(verdict)}))
            else:
                click.echo(human_line(name, verdict))
    if not as_json:
        parts = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
        click.echo(f"{sum(counts.values())} checked: {parts}")
    return 1 if counts["bug"] else 0


def human_line(name: str, verdict: object) -> str:
    from fuel.judge.verdict import Verdict

    assert isinstance(verdict, Verdict)
    kind = verdict.kind.value if verdict.kind else ""
    key = verdict.detail
    if verdict.numeric:
        n = verdict.numeric
        key = f"{n.where} max abs diff {n.max_abs_diff:.3g}, rel {n.max_rel_diff:.3g}: {key}"
    if verdict.stage and verdict.is_bug:
        kind += f" [{verdict.stage.value}]"
    if verdict.bisect:
        kind += f" (first on {verdict.bisect.first or 'none of the ladder'})"
    line = f"{verdict.outcome.value.upper():8} {kind:28} {name}"
    line = f"{line}  {key}" if key else line
    return "\n".join([line, *(f"{'':9}{'':28} note: {note}" for note in verdict.notes)])
