"""The campaign: ``fuel fuzz``'s feedback-driven loop, its start and its resume.

One round: the heuristic selects operators → the generator makes a program (or
mutates a corpus program, or repairs an invalid one) → the checker loads it, runs it
on the warm pool and judges it → the store records → the heuristic, the generator and
the corpus learn.

====================== =============== ==============================================
module                 thread          what it does
====================== =============== ==============================================
``session``            campaign        builds everything; rebuilds state on resume
``loop``               campaign        submits, collects, records; counts fuel's
                                       own failures
``producer``           generation      generator, heuristic and corpus; keeps
                                       programs ready ahead of the pool; the one
                                       repair loop
``hooks``              bug processing  runs the bug processors on new bugs
``display``            campaign        live panel, log lines, the summary
====================== =============== ==============================================

Extension points:

================================ ================= ==================================
hook                             default           caller
================================ ================= ==================================
``session.Wiring.processors``    none (``fuel      the bug thread, once per new
(``hooks.BugProcessor``)         fuzz`` passes     reportable bug, in order;
                                 triage's reduce)  ``--no-reduce`` passes none
``session.Wiring.pool_factory``  the warm pool     ``session.prepare``, with
                                 (``--ray``: the   the generator: a pool that
                                 cluster's pool)   makes its programs where it
                                                   runs them gets the producer's
                                                   orders
``session.Wiring.pool_report``   none (``--ray``:  the round loop, once a second:
                                 the cluster's     kept in the store for the
                                 report)           display and ``fuel status``
the generator contract           ``fuel.generate.  the generation thread, the
                                 base.Generator``  display and the store
================================ ================= ==================================
"""
