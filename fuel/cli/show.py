"""``fuel show BUG_DIR``: print a bug's report (or what is known of it so far)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("show")
@click.argument("bug_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def command(bug_dir: Path) -> int:
    """Print BUG_DIR/report.md; for a bug not yet reduced, its verdict and program."""
    from fuel.report.show import summary
    from fuel.store.bugdir import bug_files

    files = bug_files(bug_dir)
    if files.report.is_file():
        click.echo(files.report.read_text(encoding="utf-8"), nl=False)
    else:
        click.echo(summary(files))
    return 0
