"""The judge: turns what a worker saw into a verdict, by the rules of ORACLE.md.

It takes only the executor's records (``fuel.execute.records``) and returns frozen
records: :class:`~fuel.judge.verdict.Verdict` with its evidence, and the bug's
:class:`~fuel.judge.signature.Signature`, the one definition of a bug's identity.
Nothing here runs a program.

=============================== ================================== ====================
hook                            default                            caller
=============================== ================================== ====================
``judge.judge``                 eager/compiled/float64 rules,      ``fuel.check``
                                each value on its own
``compare.compare_values``      type, dtype, shape, NaN/inf,       ``judge.judge``
                                values against float64: same()
                                and fuel's stricter rule
``tolerance.TOLERANCES``        per-dtype rtol/atol and the        ``compare``,
                                ``same()`` multiplier              ``fuel.report.repro``
``filters.RULES``               the ORACLE.md not-a-bug rules:     ``judge.judge``
                                the value's traced hazards, or all
                                when they cannot be traced
``discrete.explained``          elements a discontinuity's         ``judge.judge``
                                rounding explains
``eager_side.finding``          elements where eager is wrong and  ``judge.judge``
                                compiled right (layout, rounding):
                                eager's own bugs
``rerun.rerun_for`` /           second looks: timeouts alone, the  ``fuel.check``
``rerun.settle``                precision ladder
``stage.MARKERS``               torch paths → pipeline stage       ``judge.judge``
``signature.Signature``         ``text`` (stored), ``id``,         the store, known
                                ``core()`` (the reducer's rule)    issues, the reducer,
                                                                   replay
=============================== ================================== ====================
"""
