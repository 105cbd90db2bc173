"""The campaign's bug processor: every new unique bug is reduced and reported.

The composition roots (``fuel fuzz``, ``fuel reduce OUT``) hand it to the campaign;
it runs on the campaign's bug thread and shares its warm workers. In a campaign its
checks go through a :class:`~fuel.check.share.ShareGate`, which keeps reduction to
its share of the workers' time; the reduction's time limit (``TIME_LIMIT_S``) is then
counted on the gate's clock, which stands still while the gate makes it wait.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from fuel.check import Checker
from fuel.check.share import ShareGate
from fuel.store.known import installed_torch
from fuel.store.records import NewBug, Triaged
from fuel.triage.builds import Build, standing
from fuel.triage.pipeline import BugSource, ReduceSettings, process_bug


def reduce_and_report(
    bug: NewBug, checker: Checker, also_on: tuple[Build, ...] = ()
) -> Triaged:
    """Write reduced.py, repro.py, report.md and reduction.json into the bug directory;
    back: the report's title (or why there is none), the bug's root-cause class, and
    whether a newer build of torch (``also_on``) no longer shows it."""
    source = BugSource(bug.program.source, bug.signature_id, bug.options, bug.verdict)
    runner = checker.runner
    clock = runner.clock if isinstance(runner, ShareGate) else time.monotonic
    settings = ReduceSettings(static_check=checker.static_check, clock=clock, also_on=also_on)
    own = Checker(checker.runner, bug.options, static_check=checker.static_check,
                  timeout_s=checker.timeout_s)  # fmt: skip
    done = process_bug(source, own, bug.directory, settings)
    if not done.reduction.reproduced:
        return Triaged(f"not reduced: {done.reduction.reason.value}")
    fixed_in = standing(installed_torch(), done.report.builds).fixed_in
    return Triaged(done.title, done.report.root_cause, fixed_in)


def reducer(also_on: tuple[Build, ...] = ()) -> Callable[[NewBug, Checker], Triaged]:
    """The campaign's bug processor, checking each confirmed repro on ``also_on`` too."""
    return functools.partial(reduce_and_report, also_on=also_on)
