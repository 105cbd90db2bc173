"""fuel: a fuzzer for deep-learning compilers, first of all ``torch.compile``.

A campaign round passes data through rooms named for what they do:

========== ======================================================================
room       what passes through it
========== ======================================================================
program    a test program's source: loading, the static check, the record
execute    warm sandboxed worker processes that run a program eagerly and compiled
judge      turns a run's raw outcome into a :class:`~fuel.judge.verdict.Verdict`
cli        the ``fuel`` command line
========== ======================================================================

Extension points are registries; each row says who fills it and who calls it.

======================== ============================== ==========================
hook                     default                        caller
======================== ============================== ==========================
``fuel.judge.tolerance`` per-dtype tolerances           ``fuel.judge.compare``
``fuel.judge.filters``   the ORACLE.md not-a-bug rules  ``fuel.judge.judge``
======================== ============================== ==========================
"""

__version__ = "0.1.0"
