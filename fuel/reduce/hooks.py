"""The campaign's bug processor: every new unique bug is reduced and reported.

:mod:`fuel.campaign.hooks` imports this module before the first bug; registering
is all it does. The processor runs on the campaign's bug thread and shares its warm
workers, so a reduction (up to ``TIME_LIMIT_S``, then the bisection and a repro
confirmed in a fresh interpreter) delays the campaign's own tests by one worker's
share while it runs.
"""

from __future__ import annotations

from fuel.campaign.hooks import BugContext, NewBug, register_bug_processor
from fuel.reduce.pipeline import BugSource, process_bug


@register_bug_processor("reduce", order=10)
def reduce_new_bug(bug: NewBug, context: BugContext) -> None:
    """Write reduced.py, reduction.json, repro.py and report.md into the bug directory."""
    source = BugSource(bug.program.source, bug.signature_id, context.options, bug.verdict)
    process_bug(source, context.pool, bug.directory)
