"""Reduction: shrink a bug program while it shows the same bug.

Layers, as in Hypothesis's engine: :mod:`~fuel.reduce.passes` (the shrink passes,
listed in one place; structural ones there, operator-level ones in
:mod:`~fuel.reduce.operators`, value polish in :mod:`~fuel.reduce.constants`, the
edits they share in :mod:`~fuel.reduce.edits`), :mod:`~fuel.reduce.driver` (the
fixed-point loop, budgets, cache and statistics), :mod:`~fuel.reduce.scope` (which
candidates cannot run, refused before they cost a run), :mod:`~fuel.reduce.oracle`
(is it the same bug?), :mod:`~fuel.reduce.simpler` (the one meaning of simpler), and
:mod:`~fuel.reduce.pipeline`, which turns a reduction into the files of a report.

Extension points:

=====================  ===================================  ===========================
hook                   default                              caller
=====================  ===================================  ===========================
``Judge`` (source ->   ``oracle.PoolJudge``: load, run on  ``driver.Shrinker.attempt``
Verdict)               the warm workers, ``judge``
``same_bug``           kind + exception type and message,   ``driver.Shrinker``
                       or kind + value category + dtype
``PASSES``             ``passes.PASSES``                    ``driver.Shrinker.run``
``simpler_key``        ``simpler.simpler_key``              ``driver.Shrinker.attempt``
bug processor          ``hooks.reduce_new_bug``             ``fuel.campaign.hooks``
=====================  ===================================  ===========================
"""
