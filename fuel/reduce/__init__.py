"""Reduction: shrink a bug program while it shows the same bug.

Layers, as in Hypothesis's engine: :mod:`~fuel.reduce.passes` (the shrink passes,
listed in one place; structural ones there, operator-level ones in
:mod:`~fuel.reduce.operators`, value polish in :mod:`~fuel.reduce.constants`, the
edits they share in :mod:`~fuel.reduce.edits`), :mod:`~fuel.reduce.driver` (the
fixed-point loop, budgets, cache and statistics), :mod:`~fuel.reduce.scope` (which
candidates cannot run, refused before they cost a run) and :mod:`~fuel.reduce.simpler`
(the one meaning of simpler). "The same bug" is
:func:`fuel.judge.signature.same_bug`; running candidates is the caller's
:data:`~fuel.reduce.driver.Judge`. What a reduction becomes (bisection, repro,
report) is :mod:`fuel.triage`'s.

Extension points:

=====================  ===================================  ===========================
hook                   default                              caller
=====================  ===================================  ===========================
``Judge`` (source ->   none: the caller's (fuel: a          ``driver.Shrinker.attempt``
Verdict)               ``Checker.verdict_of``)
``PASSES``             ``passes.PASSES``                    ``driver.Shrinker.run``
``simpler_key``        ``simpler.simpler_key``              ``driver.Shrinker.attempt``
=====================  ===================================  ===========================
"""
