"""``fuel check FILE...``: a truthful verdict for each program, fast."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fuel.cli import exits
from fuel.cli.options import (
    RunLimits,
    Safety,
    compile_options,
    default_jobs,
    known_issues_option,
    safety_options,
)
from fuel.execute.records import CompileOptions

if TYPE_CHECKING:
    from fuel.check import Checked, Checker, LoadRules
    from fuel.judge.verdict import Verdict
    from fuel.program import Program
    from fuel.store.known import KnownIssues


@click.command("check")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
@compile_options
@click.option("--json", "as_json", is_flag=True, help="one JSON object per file")
@click.option("--bisect", "bisecting", is_flag=True,
              help="find the first backend that shows each bug")  # fmt: skip
@known_issues_option
@safety_options
def command(
    files: tuple[Path, ...],
    options: CompileOptions,
    limits: RunLimits,
    as_json: bool,
    bisecting: bool,
    known: KnownIssues,
    safety: Safety,
) -> int:
    """Run each FILE eagerly and compiled, and judge the difference.

    A bug that matches a known issue (shipped, or --known-issues) is marked known: by
    its signature, or by the class of the program as it is (its layer from --bisect).

    Exit code 0 when no bug was found, 1 when any was, 3 when no file could be judged
    (every one was rejected or skipped), 2 for usage errors.
    """
    from contextlib import ExitStack
    from dataclasses import replace

    from fuel import serial
    from fuel.check import Checked, Checker, LoadRules
    from fuel.execute.pool import PoolSettings, WorkerPool
    from fuel.triage.ablation import ablate, bisection

    rules = LoadRules(allow_unsafe=safety.allow_unsafe, device=options.home_device)
    screened = [(path, screen(path, rules)) for path in files]
    loadable = sum(not isinstance(found, Checked) for _, found in screened)
    settings = PoolSettings(
        workers=default_jobs(limits.jobs, loadable), timeout_s=limits.timeout_s,
        memory_mb=limits.memory_mb, device=options.device, sandbox=safety.sandbox,
    )  # fmt: skip
    counts: Counter[str] = Counter()
    with ExitStack() as stack:  # no workers start when no file loads
        pool = stack.enter_context(WorkerPool(settings)) if loadable else None
        checker = None if pool is None else Checker(pool, options, static_check=safety.static_check)
        pending = [(str(path), submitted(found, checker)) for path, found in screened]
        for name, future in pending:
            checked = future if isinstance(future, Checked) else future.result()
            verdict = checked.verdict
            if bisecting and verdict.is_bug and checker is not None:
                trials = ablate(checker, checked.program, verdict, ladder_only=True)
                verdict = replace(verdict, bisect=bisection(trials))
            counts[verdict.outcome.value] += 1
            label = known_label(known, checked.program.source, verdict, options)
            if as_json:
                click.echo(json.dumps({"file": name, **serial.to_data(verdict), "known": label}))
            else:
                click.echo(human_line(name, verdict, label))
    if not as_json:
        parts = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
        click.echo(f"{sum(counts.values())} checked: {parts}")
    return exit_code(counts)


def screen(path: Path, rules: LoadRules) -> Program | Checked:
    """The program in ``path`` if it loads, else its ``rejected`` verdict (a ``Checked``):
    reading and loading cost no worker, so files that cannot be judged start none."""
    from fuel.check import Checked
    from fuel.errors import Rejected
    from fuel.judge.verdict import Outcome, Verdict
    from fuel.program import Program, read_program

    try:
        program = read_program(path)
        rules.load(program)
    except Rejected as rejected:
        return Checked(Program("", path.stem), Verdict(Outcome.REJECTED, detail=rejected.reason))
    return program


def submitted(found: Program | Checked, checker: Checker | None) -> Checked | Future[Checked]:
    from fuel.check import Checked

    if isinstance(found, Checked):
        return found
    assert checker is not None, "a program that loads starts the workers"
    return checker.submit(found)


def exit_code(counts: Counter[str]) -> int:
    if counts["bug"]:
        return exits.BUG
    if counts["pass"] + counts["invalid"]:
        return exits.OK
    click.echo("fuel: no file could be judged: each was rejected or skipped, as its line "
               "says", err=True)  # fmt: skip
    return exits.NOTHING_JUDGED


def known_label(
    known: KnownIssues, source: str, verdict: Verdict, options: CompileOptions
) -> str | None:
    """The known issue a bug matches, as a campaign matches it: its signature, else its
    root-cause class (here: the program as it is, not reduced)."""
    from fuel.execute.options import changes
    from fuel.judge.signature import identity_of, root_cause
    from fuel.program.syntax import forward_operators

    if not verdict.is_bug:
        return None
    signature = identity_of(verdict)
    cause = root_cause(verdict, forward_operators(source), changes(options))
    return known.match(signature.text, signature.id, verdict) or known.match_class(cause)


def human_line(name: str, verdict: object, known: str | None = None) -> str:
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
    line = f"{verdict.outcome.value.upper():8} {kind:28} {exits.one_line(name)}"
    line = f"{line}  {exits.one_line(key)}" if key else line
    line = f"{line}  ({known}: already filed upstream)" if known else line
    return "\n".join([line, *(f"{'':9}{'':28} note: {note}" for note in verdict.notes)])
