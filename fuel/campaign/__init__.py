"""The campaign: ``fuel fuzz``'s feedback-driven loop, its start and its resume.

One round: the heuristic selects operators → the generator makes a program (or
mutates a corpus program, or repairs an invalid one) → the warm pool runs it → the
judge decides → the store records → the heuristic, the generator and the corpus learn.

====================== =============== ==============================================
module                 thread          what it does
====================== =============== ==============================================
``session``            campaign        builds everything; rebuilds state on resume
``loop``               campaign        submits, collects, judges, records
``producer``           generation      generator, heuristic and corpus; keeps
                                       programs ready ahead of the pool
``hooks``              bug processing  runs registered bug processors on new bugs
``display``            campaign        live panel, log lines, the summary
====================== =============== ==============================================

Extension points:

================================ ================= ==================================
hook                             default           caller
================================ ================= ==================================
``hooks.register_bug_processor`` none registered   the bug thread, once per new
  ``(name, order)``                                reportable bug, in order;
                                                   ``--no-reduce`` turns it off
``Generator.mutate(program,      none: no          the generation thread, for
  seed)`` (optional method)      mutation rounds   ``MUTATE_SHARE`` of the rounds
``Generator.operators``          (): requests      ``session.operators_of``: the
  (optional attribute)           carry no ops      heuristic's universe
================================ ================= ==================================
"""
