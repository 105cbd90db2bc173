"""Running programs: warm sandboxed worker processes, and what they return.

The executor takes a loaded program and compile options and returns a ``RunResult``
(:mod:`~fuel.execute.records`, the only module other rooms need to read results). It
knows nothing of how programs were made and decides nothing about bugs.

=============================== ================================== ====================
hook                            default                            caller
=============================== ================================== ====================
``pool.WorkerPool.run/submit``  forked warm workers, one job each  ``fuel.check``
``PoolSettings``                workers, timeout, memory, coverage the composition
                                sandbox on                         roots, the campaign
``runner.run_phases``           eager ×2, probe, compiled,         ``worker.Worker``
                                float64 and perturbed when needed
``probe.ProbeMode``             aten ops, random ops, duplicate-   ``runner``
                                index writes, ties
``sandbox``                     network namespace, rlimits, audit  ``worker``, ``script``
                                hook
``script.run_script``           a fresh sandboxed interpreter      ``fuel.triage``
                                (repro confirmation)
=============================== ================================== ====================
"""
