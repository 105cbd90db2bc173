"""Feedback: what each test taught the campaign, and the heuristics that learn from it.

:class:`~fuel.feedback.record.Feedback` is the record; heuristics choose the operators
of the next program from it. They are pluggable through a registry
(:mod:`fuel.feedback.heuristic`), one class per file:

=================== ================================= ==================================
hook                default                           caller
=================== ================================= ==================================
``register(name)``  ``fasa`` (``--heuristic SA``);    ``fuel.campaign`` via ``create``,
                    baselines ``random``, ``uniform`` once per campaign (and resume)
``propose()``       1 to 3 sorted catalog names       the generation thread, once per
                                                      generated (not mutated) program
``observe(fb)``     reads ops, outcome, new_lines     the generation thread, once per
                    (and by file), new_bug,           recorded test, in record order
                    stale_bug, seconds, measured,
                    settings only (replayed on
                    resume)
``reconsider(fb)``  FASA: corrects what a new bug     the generation thread, when a
                    earned once its class proved      reduced bug's class proved known
                    known or seen; baselines: nothing or seen (never on replay)
=================== ================================= ==================================

FASA's reward (``--reward``) is :mod:`fuel.feedback.reward`; the coverage weights by
compiler file it uses are :mod:`fuel.feedback.bug_sites`.
"""
