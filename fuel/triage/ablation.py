"""Ablation: which compile settings a bug needs, and which show it, each earned by a run.

First :func:`minimal_settings` bisects the settings the bug was found with to the
fewest that still show it (each compiler override dropped in turn, then dynamic,
backward, fullgraph and mode set back to torch.compile's default), the way PyTorch's
``ConfigFuzzer.bisect`` narrows a failing configuration: the report, the repro and the
bug's class then carry only what matters.

PyTorch's issue template asks a fuzzer-found report for an ablation: which backend,
mode and settings cause the bug. The reduced program is checked once per setting in
:data:`STEPS` (the backend ladder, then the bug's own backend with one setting
changed), and a setting "shows" the bug when its verdict is the same bug by
:func:`fuel.judge.signature.same_bug` (same kind, for the backends: a lower layer
may word a crash differently). The first backend that shows the bug names the layer
it is in: the report's bisection comes from these runs, never from a guess.

Every :class:`~fuel.store.bugdir.Trial` says what its own run showed: ``shows`` is
whether that run showed this bug (for a dropped setting: the bug stayed, so the setting
is not needed). Two more kinds of run serve the report's "Where": with Inductor's C++
vectorisation off (:func:`vectorisation`), and the reduced program's pattern on the
other operators of the bug's code (:func:`sweep`, the variants from
:mod:`fuel.triage.siblings`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from fuel.check import Checker
from fuel.execute.options import CompileSetting, SettingFamily, changes
from fuel.execute.records import CompileOptions
from fuel.execute.targets import target_of
from fuel.judge.signature import same_bug
from fuel.judge.verdict import Bisection, Outcome, Verdict
from fuel.program import Program
from fuel.store.bugdir import Trial

LOW_PRECISION = ("float16", "bfloat16")
EMULATE = "inductor.emulate_precision_casts"  # upstream: such a mismatch is intended
LADDER_ROWS = ("backend=", "target=")  # how a ladder's rows begin (``Layer.trial``)
SIMDLEN = "inductor.cpp.simdlen"  # 1: Inductor's C++ kernels without vector instructions
# Siblings run one at a time on a warm worker with the first backend that shows the bug:
# well under a second each with aot_eager, a C++ build (2-5 s) with inductor. A component
# a hundred pointwise operators share would take minutes, so the sweep stops here and
# the report says how many of them it tried.
SWEEP_TIME_LIMIT_S = 120.0


Change = Callable[[CompileOptions], CompileOptions]


@dataclass(frozen=True, slots=True)
class Minimal:
    """The fewest settings that still show the bug, with the runs that showed it."""

    options: CompileOptions
    verdict: Verdict  # the bug as the minimal options show it
    trials: tuple[Trial, ...]  # each setting dropped, and whether the bug stayed


def reverts(options: CompileOptions) -> list[tuple[str, Change]]:
    """Each setting of ``options`` that torch.compile's defaults do not have, undone; but
    the target, which is what the bug was found in, not a setting it may not need."""
    return [(f"without {setting.text}", setting.without) for setting in changes(options)
            if setting.family is not SettingFamily.TARGET]  # fmt: skip


def minimal_settings(checker: Checker, program: Program, verdict: Verdict) -> Minimal:
    """Drop the bug's settings one at a time, keeping each drop that still shows it."""
    options, trials = checker.options, []
    for name, change in reverts(options):
        candidate = change(options)
        other = checker.run(program, candidate).verdict
        kept = same_bug(verdict, other)
        trials.append(Trial(name, kept, _words(other)))  # kept: this run showed the bug
        if kept:
            options, verdict = candidate, other
    return Minimal(options, verdict, tuple(trials))


def variants(options: CompileOptions, verdict: Verdict) -> list[tuple[str, Change]]:
    """The settings worth trying for this bug: each a name and the options it makes."""
    found: list[CompileSetting] = []
    if options.dynamic is not True:
        found.append(CompileSetting("dynamic", True))
    if not options.fullgraph:
        found.append(CompileSetting("fullgraph", True))
    if verdict.numeric is not None and verdict.numeric.dtype in LOW_PRECISION:
        found.append(CompileSetting(EMULATE, True))
    target = target_of(options)
    return [(setting.text, setting.apply) for setting in found if target.accepts(setting)]


def ablate(
    checker: Checker, program: Program, verdict: Verdict, *, ladder_only: bool = False
) -> tuple[Trial, ...]:
    """The target's ladder up to the bug's own rung (for torch.compile the backends up to
    the bug's), then (unless ``ladder_only``) its settings changed one at a time."""
    options = checker.options
    *lower, own = target_of(options).layers(options)
    trials = [_trial(checker, program, verdict, layer.trial, layer.options, kind_only=True)
              for layer in lower]  # fmt: skip
    trials.append(Trial(own.trial, True, _words(verdict)))
    for name, change in () if ladder_only else variants(options, verdict):
        trials.append(_trial(checker, program, verdict, name, change(options)))
    return tuple(trials)


def vectorisation(checker: Checker, program: Program, verdict: Verdict) -> Trial:
    """The bug's run with Inductor's C++ vectorisation off (``cpp.simdlen=1``)."""
    setting = CompileSetting(SIMDLEN, 1)
    return _trial(checker, program, verdict, setting.text, setting.apply(checker.options))


def sweep(
    checker: Checker,
    variants: list[tuple[str, str]],
    verdict: Verdict,
    options: CompileOptions,
    time_limit_s: float = SWEEP_TIME_LIMIT_S,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[Trial, ...]:
    """Each (name, source) variant run with ``options``: does it show the same kind of bug?
    Stops once ``time_limit_s`` has passed on ``clock``; the report says how many ran."""
    trials: list[Trial] = []
    start = clock()
    for name, source in variants:
        if clock() - start > time_limit_s:
            break
        trials.append(_trial(checker, Program(source, name, origin="reduced"), verdict, name,
                             options, kind_only=True))  # fmt: skip
    return tuple(trials)


def bisection(trials: tuple[Trial, ...]) -> Bisection:
    """The first rung of the ladder that shows the bug, from the ablation's runs (their
    rows are the rungs' ``Layer.trial``: backend='eager', target=export)."""
    rungs = [t for t in trials if t.setting.startswith(LADDER_ROWS)]
    tried = tuple(t.setting.partition("=")[2].strip("'") for t in rungs)
    first = next((name for name, t in zip(tried, rungs, strict=True) if t.shows), None)
    return Bisection(first, tried)


def _trial(
    checker: Checker,
    program: Program,
    verdict: Verdict,
    setting: str,
    options: CompileOptions,
    kind_only: bool = False,
) -> Trial:
    other = checker.run(program, options).verdict
    if other.outcome in (Outcome.INVALID, Outcome.REJECTED):
        return Trial(setting, None, _words(other))
    same_kind = other.is_bug and other.kind is verdict.kind
    return Trial(setting, same_kind if kind_only else same_bug(verdict, other), _words(other))


def _words(verdict: Verdict) -> str:
    kind = f" {verdict.kind.value}" if verdict.kind else ""
    return f"{verdict.outcome.value}{kind}"
