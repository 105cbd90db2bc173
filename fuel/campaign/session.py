"""Starting and resuming a campaign: everything the round loop needs, built in order.

A fresh campaign creates its store from the settings; a resumed one reads the
settings back from the store and rebuilds the learnt state from the recorded tests:
the coverage union (the store), the heuristic (by replaying every test's feedback),
the corpus admission rule's memory, and the corpus itself. Bugs whose processing was
cut short are processed again. The random streams are seeded from the campaign seed
and the number of tests already recorded, so a resumed campaign does not repeat the
programs it generated before the kill.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from fuel.campaign import hooks
from fuel.campaign.corpus import Admission, Corpus, credit_of
from fuel.campaign.events import Display
from fuel.campaign.loop import Campaign, Pool
from fuel.campaign.producer import Producer
from fuel.campaign.settings import CampaignSettings
from fuel.errors import FuelError, UsageError
from fuel.execute.pool import PoolSettings, WorkerPool
from fuel.feedback import heuristic as heuristics
from fuel.feedback.record import Feedback
from fuel.generate import registry
from fuel.generate.base import Generator
from fuel.judge.verdict import Verdict
from fuel.store import CampaignStore, Summary, load_known_issues
from fuel.store.environment import current_environment

PoolFactory = Callable[[PoolSettings], Pool]


@dataclass(frozen=True, slots=True)
class Finished:
    summary: Summary
    reason: str  # round limit | time limit | interrupted | stopped: ... | error: ...
    error: FuelError | None = None  # set when a FuelError ended the campaign


def warm_pool(settings: PoolSettings) -> Pool:
    pool = WorkerPool(settings)
    try:
        pool.wait_ready()
    except BaseException:
        pool.close()
        raise
    return pool


def pool_settings(settings: CampaignSettings, workers: int, coverage: bool) -> PoolSettings:
    """The workers a campaign's programs run on: its limits and device."""
    return PoolSettings(
        workers=workers,
        timeout_s=settings.timeout_s,
        memory_mb=settings.memory_mb,
        coverage=coverage,
        device=settings.options.device,
    )


def derived_seed(seed: int, recorded: int, stream: str) -> int:
    digest = hashlib.sha256(f"{stream}:{seed}:{recorded}".encode()).hexdigest()
    return int(digest[:12], 16)


def operators_of(generator: Generator) -> tuple[str, ...]:
    """The operator names the heuristic chooses from, sorted: ``generator.operators``
    (an attribute or a method), else ``generator.catalog.names()`` (the built-in's
    catalog); () when the generator offers neither, and then requests carry no ops."""
    operators: Any = getattr(generator, "operators", None)
    if operators is None:
        names = getattr(getattr(generator, "catalog", None), "names", None)
        operators = names if callable(names) else ()
    if callable(operators):
        operators = operators()
    return tuple(sorted(set(operators)))


def start(
    settings: CampaignSettings,
    display: Display,
    argv: list[str],
    pool_factory: PoolFactory | None = None,
) -> Finished:
    known = load_known_issues(settings.known_issues)
    registry_check(settings)
    store = CampaignStore.create(settings.out, settings.to_stored(), current_environment(), known)
    return drive(store, settings, display, argv, pool_factory)


def resume(
    settings_changes: dict[str, Any],
    out: Path,
    display: Display,
    argv: list[str],
    pool_factory: PoolFactory | None = None,
) -> Finished:
    with CampaignStore.read(out) as reader:
        stored = reader.settings()
    settings = CampaignSettings.from_stored(stored, out).resumed_with(settings_changes)
    registry_check(settings)
    store = CampaignStore.open(out, load_known_issues(settings.known_issues))
    store.update_settings(settings.to_stored())
    return drive(store, settings, display, argv, pool_factory)


def registry_check(settings: CampaignSettings) -> None:
    """Fail on a bad generator or heuristic name before anything is created on disk."""
    if settings.generator not in registry.names():
        known = ", ".join(registry.names()) or "none"
        raise UsageError(f"unknown generator {settings.generator!r} (known: {known})")
    heuristics.canonical(settings.heuristic)


def drive(
    store: CampaignStore,
    settings: CampaignSettings,
    display: Display,
    argv: list[str],
    pool_factory: PoolFactory | None,
) -> Finished:
    reason, error = "failed", None
    closers: list[Callable[[], None]] = []
    campaign = None
    try:
        campaign = prepare(store, settings, display, pool_factory, closers)
        store.start_run(argv)
        display.refresh(store.summary())
        reason = campaign.run()
        error = campaign.error
    except KeyboardInterrupt:
        reason = "interrupted"
    except BaseException as failure:  # a fuel bug: recorded as the run's end, then raised
        reason = f"failed: {type(failure).__name__}: {failure}"[:500]
        raise
    finally:
        for close in reversed(closers):
            close()
        if campaign is not None:
            record_generator_reports(store, campaign.producer)
        if store.run_id is not None:
            store.finish_run(reason)
        store.reconcile_files()  # Ctrl-C or an error may have cut a file write short
        summary = store.summary(running=False)  # this process is done with it
        store.close()
    return Finished(summary, reason, error)


def record_generator_reports(store: CampaignStore, producer: Producer) -> None:
    """What the generator says about itself (the LLM: status, spending), kept in meta."""
    if producer.status_json:
        store.set_meta("generator_status", producer.status_json)
    cost_report = getattr(producer.generator, "cost_report", None)
    if callable(cost_report):
        report = cost_report()
        if hasattr(report, "to_json"):
            store.set_meta("generator_cost", str(report.to_json()))


def prepare(
    store: CampaignStore,
    settings: CampaignSettings,
    display: Display,
    pool_factory: PoolFactory | None,
    closers: list[Callable[[], None]],
) -> Campaign:
    display.limits(settings.time_limit_s, settings.max_rounds)
    recorded = store.tests_recorded()
    generator = registry.create(
        settings.generator, registry.GeneratorSettings(settings.seed, settings.generator_extra)
    )
    operators = operators_of(generator)
    heuristic = heuristics.create(
        settings.heuristic,
        heuristics.HeuristicSettings(operators, derived_seed(settings.seed, recorded, "heuristic")),
    )
    admission, corpus = Admission(settings.coverage), Corpus()
    if recorded:
        for test in store.history():
            feedback = Feedback(
                test.program, Verdict(test.outcome), test.new_lines, (), test.new_bug
            )
            heuristic.observe(feedback)
            admission.admits(feedback)
        for test in store.corpus():
            credit = credit_of(test.new_lines, test.new_bug)
            corpus.add(test.test_id, test.program, credit, test.times_mutated)
        display.note(f"resuming after {recorded} tests; corpus {len(corpus)} programs")
    producer = Producer(
        generator,
        heuristic,
        corpus,
        mutate_share=settings.mutate_share,
        seed=str(derived_seed(settings.seed, recorded, "producer")),
        ahead=settings.jobs,
    )
    producer.start()  # generating (and loading the catalog) while the workers start
    closers.append(producer.stop)
    display.note(
        f"starting {settings.jobs} worker(s){' with coverage' if settings.coverage else ''}..."
    )
    options = settings.options
    pool = (pool_factory or warm_pool)(pool_settings(settings, settings.jobs, settings.coverage))
    closers.append(pool.close)
    processing = None
    processors = hooks.bug_processors() if settings.process_bugs else ()
    if processors:
        context = hooks.BugContext(cast(WorkerPool, pool), options, settings.out)
        processing = hooks.BugProcessing(context, processors)
        closers.append(processing.stop)
        for bug in unprocessed_bugs(store):
            processing.submit(bug)
    return Campaign(settings, store, pool, producer, admission, display, processing)


def unprocessed_bugs(store: CampaignStore) -> list[hooks.NewBug]:
    """Bugs recorded but not yet through the bug processors, oldest first."""
    found = []
    for bug in store.bugs(unprocessed=True):
        program = store.test_program(bug.first_test)
        verdict = store.test_verdict(bug.first_test)
        if program is not None and verdict is not None:
            directory = store.layout.bug_dir(bug.signature_id)
            new = hooks.NewBug(bug.signature_id, directory, bug.first_test, program, verdict)
            found.append(new)
    return found


def process_pending_bugs(
    out: Path, jobs: int, log: Callable[[str], None], pool_factory: PoolFactory | None = None
) -> int:
    """Run the bug processors on every bug of the campaign in ``out`` that has not been
    through them (a time limit or a kill cut them off); how many were processed.
    The campaign must not be running (its lock is taken)."""
    with CampaignStore.open(out) as store:
        settings = CampaignSettings.from_stored(store.settings(), out)
        pending = unprocessed_bugs(store)
        processors = hooks.bug_processors()
        if not pending or not processors:
            log(f"{out}: no bug waits for processing")
            return 0
        log(f"{out}: processing {len(pending)} bug(s)")
        pool = (pool_factory or warm_pool)(pool_settings(settings, jobs, coverage=False))
        try:
            context = hooks.BugContext(cast(WorkerPool, pool), settings.options, out)
            for bug in pending:
                error = hooks.process(bug, context, processors)
                store.mark_processed(bug.signature_id, error)
                log(f"{bug.signature_id}: {error or outcome_line(bug.directory)}")
        finally:
            pool.close()
    return len(pending)


def outcome_line(directory: Path) -> str:
    """The report's title once a bug is processed (``# [inductor] ...``), else "done"."""
    from fuel.report.bugdir import BugFiles

    report = BugFiles(directory).report
    if not report.is_file():
        return "done"
    first = report.read_text(encoding="utf-8", errors="replace").splitlines()[:1]
    return first[0].lstrip("# ").strip() if first else "done"
