"""``fuel status OUT``: the summary of a running or finished campaign, from its database.

It opens ``campaign.db`` read-only, so it can watch a campaign while it runs (SQLite's
WAL lets a reader in beside the writer), and it imports no torch: it answers at once.
"""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("status")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def command(out: Path, as_json: bool) -> int:
    """Summarise the campaign in OUT: tests, validity, bugs, coverage, time.

    With --json: one object with (at least) tests, valid, bugs_unique, bugs_total,
    covered_lines and elapsed_s; eager's own bugs (eager wrong, compiled right) are not
    in the bug counts but under eager_bugs, by kind.
    """
    from fuel.campaign.display import render_summary
    from fuel.store import CampaignStore

    with CampaignStore.read(out) as store:
        summary = store.summary()
    if as_json:
        click.echo(json.dumps(summary.to_dict(), sort_keys=True))
    else:
        click.echo(render_summary(summary))
    return 0
