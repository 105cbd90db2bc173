"""fuel: a fuzzer for deep-learning compilers, first of all ``torch.compile``.

A campaign round passes data through rooms named for what they do. Bottom to top; a
room imports only rooms on its own floor or below (``tests/test_architecture.py``
checks it):

=========== =============================================================================
room        what passes through it
=========== =============================================================================
errors,     the three kinds of failure; one JSON form for frozen records; the one
serial,     registry of named extension points; the known upstream issues fuel ships
registry,   (data)
known
program     a test program's source: the record, the loader, the static check, syntax
execute     warm sandboxed worker processes that run a program eagerly and compiled
judge       a run's raw outcome to a ``Verdict``; a bug's identity (``Signature``)
check       load → run → judge: the one path from a program to a verdict
feedback    what each test taught the campaign; the heuristics choosing operators
catalog     operator specs derived from torch's OpInfo and ``torch.nn`` databases
generate    the generator contract, the registry, the built-in synthesizer
cluster     the warm pool's interface served by one Ray actor per node (``--ray``),
            which can also make the built-in generator's programs where they run
llm         the LLM generator: generation, analysis and repair models
reduce      the shrinker: a bug program made small while it shows the same bug
store       the campaign directory: ``campaign.db``, its files, bug directories,
            migrations of older campaigns
report      records rendered for people: repro, ``report.md``, the HTML report
triage      what happens to a bug after its verdict: reduce, bisect, repro, confirm,
            report; the campaign's bug processor; replay
campaign    ``fuel fuzz``'s feedback loop, its start and resume
cli         the ``fuel`` command line: the composition roots that wire rooms together
=========== =============================================================================

Extension points are registries or records passed in by the composition roots; each
row says who fills it and who calls it.

=============================== ================================ ======================
hook                            default                          caller
=============================== ================================ ======================
``fuel.generate.registry``      builtin, llm, hybrid             ``fuel.campaign``
``fuel.execute.targets``        compile (torch.compile), export, ``fuel.execute.runner``,
                                aoti: what is compared with      the ablation, the repro
                                eager                            and report, the
                                                                 settings annealer
``fuel.feedback.heuristic``     fasa (SA), random, uniform       ``fuel.campaign``
``fuel.catalog.registry``       the operator families            ``fuel.catalog.build``
``fuel.judge.tolerance``        per-dtype tolerances             ``fuel.judge.compare``
``fuel.judge.filters``          the ORACLE.md not-a-bug rules    ``fuel.judge.judge``
``session.Wiring.processors``   triage's reduce-and-report       the campaign's bug
                                                                 thread
``session.Wiring.pool_factory`` the warm pool (``--ray``: the    ``fuel.campaign``
                                cluster pool)
=============================== ================================ ======================
"""

__version__ = "0.1.0"
