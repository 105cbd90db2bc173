"""Reports: records rendered for people. Nothing here runs a program or decides anything.

:mod:`~fuel.report.repro` renders the standalone repro script,
:mod:`~fuel.report.markdown` a bug's ``report.md`` in PyTorch's issue shape,
:mod:`~fuel.report.show` what ``fuel show`` prints for a bug not yet reduced, and
:mod:`~fuel.report.html` (with :mod:`~fuel.report.campaign`, which gathers its data
from the store) the campaign's HTML report.
"""
