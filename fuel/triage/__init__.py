"""Triage: what happens to a bug after its verdict.

:mod:`~fuel.triage.pipeline` reduces it (:mod:`fuel.reduce`), bisects it over the
backend ladder (:mod:`~fuel.triage.ablation`), renders its repro and report
(:mod:`fuel.report`), confirms the repro in a fresh interpreter
(:mod:`~fuel.triage.confirm`), runs torch's CompilerBisector on it
(:mod:`~fuel.triage.bisector`, whose child side is :mod:`~fuel.triage.bisect_child`),
names the code it points at (:mod:`~fuel.triage.pointer`, on torch's tables read by
:mod:`~fuel.triage.tables`), tries that code's other operators
(:mod:`~fuel.triage.siblings`) and writes the bug directory (:mod:`fuel.store.bugdir`).
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
``ReduceSettings.compiler_ ``bisector.TIME_LIMIT_S`` (0: not  ``pipeline.process_bug``,
bisect_s``                 run)                             ``fuel reduce``
``ReduceSettings.known``   no rules                         ``fuel reduce``
``replay.Run``             a checker's ``verdict_of``       ``replay.replay``
========================== ================================ ===========================
"""
