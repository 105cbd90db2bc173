"""``fuel report OUT``: the campaign as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from fuel.errors import UsageError


@click.command("report")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--html", "target", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="where to write it  [default: OUT/report.html]")  # fmt: skip
def command(out: Path, target: Path | None) -> int:
    """Write an HTML report of the campaign in OUT: coverage, tests, valid share and
    bugs over time, verdicts, operator use and yield, and the unique bugs with links
    to their repros and reports. It opens offline (plotly.js is embedded)."""
    from fuel.errors import os_reason
    from fuel.program.reading import irregular_kind
    from fuel.report.html import campaign_html
    from fuel.store.files import atomic_write

    target = target or out / "report.html"
    kind = irregular_kind(target.stat().st_mode) if target.exists() else None
    if kind is not None:
        raise UsageError(f"--html {target} is {kind}: name a file to write")
    text = campaign_html(out, target)
    try:
        atomic_write(target, text)
    except OSError as error:
        raise UsageError(f"cannot write {target} ({os_reason(error)}); the campaign is "
                         "unchanged: name a writable place with --html") from None  # fmt: skip
    click.echo(f"wrote {target}")
    return 0
