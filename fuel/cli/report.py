"""``fuel report OUT``: the campaign as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--html", "target", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="where to write it  [default: OUT/report.html]")  # fmt: skip
def command(out: Path, target: Path | None) -> int:
    """Write an HTML report of the campaign in OUT: coverage, tests, valid share and
    bugs over time, verdicts, operator use and yield, and the unique bugs with links
    to their repros and reports. It opens offline (plotly.js is embedded)."""
    from fuel.report.html import write_report

    path = write_report(out, target or out / "report.html")
    click.echo(f"wrote {path}")
    return 0
