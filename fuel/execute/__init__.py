"""Running programs: warm sandboxed worker processes, and what they return.

The executor takes a loaded program and compile options and returns a ``RunResult``
(:mod:`~fuel.execute.records`, the only module other rooms need to read results). It
knows nothing of how programs were made and decides nothing about bugs.

=============================== ================================== ====================
hook                            default                            caller
=============================== ================================== ====================
``pool.WorkerPool.run/submit``  forked warm workers, one job each; ``fuel.check``
                                ``coverage=True``: that job's
                                compiled phase traced (no default)
``PoolSettings``                workers, timeout, memory, coverage the composition
                                (workers able to trace), sandbox   roots, the campaign
                                on
``targets.TARGETS``             compile, export, aoti: what the    ``runner``, triage,
                                compiled side is (``prepare``,     the repro, the
                                ``run``, ``layers``, the repro's   settings annealer
                                lines, the settings it takes)
``runner.run_phases``           eager ×2, probe, compiled; float64, ``worker.Worker``
                                perturbed and the discrete re-check
                                when they differ, and the eager-bug
                                references where they can matter
``rounding.RoundedFloat64``     integer upsampling in float64,     ``runner``, the repro
                                rounded as torch's decomposition
                                specifies
``probe.ProbeMode``             aten ops, random ops, duplicate-   ``runner``
                                index writes, ties, each traced to
                                the values it reaches (``taint``)
``lineage.Lineage``             the fx graph downstream of casts,  ``probe``
                                floor, comparisons...
``recheck.run_discrete``        nudged recomputation; each step    ``runner``
                                compiled alone on eager's inputs
``sandbox``                     network namespace, rlimits, audit  ``worker``, ``script``
                                hook
``script.run_script``           a fresh sandboxed interpreter      ``fuel.triage``
                                (repro confirmation)
=============================== ================================== ====================
"""
