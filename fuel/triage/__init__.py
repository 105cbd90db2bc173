"""Triage: what happens to a bug after its verdict.

:mod:`~fuel.triage.pipeline` reduces it (:mod:`fuel.reduce`), bisects it over the
backend ladder (:mod:`~fuel.triage.bisect`), renders its repro and report
(:mod:`fuel.report`), confirms the repro in a fresh interpreter
(:mod:`~fuel.triage.confirm`) and writes the bug directory (:mod:`fuel.store.bugdir`).
:mod:`~fuel.triage.processor` is the campaign's bug processor, and
:mod:`~fuel.triage.replay` re-runs stored bugs on the installed torch.

========================== ================================ ===========================
hook                       default                          caller
========================== ================================ ===========================
``processor.reduce_and_    reduce, bisect, repro, confirm,  the campaign's bug thread,
report(bug, checker)``     report; returns the title        given by ``fuel fuzz`` and
                                                            ``fuel reduce OUT``
``ReduceSettings.judge``   the checker's ``verdict_of``     ``pipeline.process_bug``
``ReduceSettings.versions`` ``environment.collect_env``     ``pipeline.process_bug``
``replay.Run``             a checker's ``verdict_of``       ``replay.replay``
========================== ================================ ===========================
"""
