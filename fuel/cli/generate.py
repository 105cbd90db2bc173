"""``fuel generate``: write programs made by the built-in synthesizer to files."""

from __future__ import annotations

from pathlib import Path

import click

from fuel.errors import UsageError


def operator_names(ops: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name.strip() for name in ops.split(",") if name.strip()))


@click.command("generate")
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="how many programs",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="program i is made from seed SEED+i, always the same way",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="directory to write the programs to (created if missing)",
)
@click.option("--ops", default="", help="comma-separated catalog operators every program uses")
@click.option("--list-ops", is_flag=True, help="print the operators programs may use, and exit")
def command(count: int, seed: int, out: Path | None, ops: str, list_ops: bool) -> int:
    """Write N standalone test programs (class Model, make_inputs) to DIR.

    Operator names are the catalog's, matched exactly (see --list-ops). The first run
    for a torch version builds the operator catalog (about a minute) and caches it.
    """
    from fuel.catalog.cache import cache_path
    from fuel.errors import Rejected
    from fuel.generate.base import GenerationRequest
    from fuel.generate.builtin import BuiltinGenerator

    if not list_ops and out is None:
        raise UsageError("--out DIR is required (or --list-ops)")
    if not cache_path().exists():
        click.echo("fuel: building the operator catalog for this torch (once)...", err=True)
    generator = BuiltinGenerator()
    if list_ops:
        for name in generator.catalog.names():
            click.echo(name)
        return 0
    assert out is not None
    names = operator_names(ops)
    generator.catalog.require(names)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for index in range(count):
        try:
            program = generator.generate(GenerationRequest(names, seed + index))
        except Rejected as exc:
            click.echo(f"fuel: seed {seed + index}: {exc.reason}", err=True)
            failed += 1
            continue
        (out / f"{program.name}.py").write_text(program.source, encoding="utf-8")
    click.echo(f"{count - failed} programs written to {out}")
    return 1 if failed else 0
