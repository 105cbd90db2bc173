"""Reports: the standalone repro, ``report.md``, the campaign's HTML report, replay.

:mod:`~fuel.report.repro` renders and confirms repro scripts, :mod:`~fuel.report.markdown`
writes a bug report in PyTorch's shape, :mod:`~fuel.report.bugdir` knows the files
of a bug directory, :mod:`~fuel.report.html` draws a campaign, and
:mod:`~fuel.report.replay` re-runs stored bugs on the installed torch.
"""
