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
from typing import Any, Protocol

from fuel.campaign import hooks
from fuel.campaign.corpus import Admission, Corpus, credit_of
from fuel.campaign.events import Display
from fuel.campaign.hooks import BugProcessor
from fuel.campaign.loop import Campaign
from fuel.campaign.measure import CoveragePolicy
from fuel.campaign.producer import Producer
from fuel.campaign.settings import CampaignSettings
from fuel.check import Checker, Maker
from fuel.check.checker import Runner
from fuel.check.share import Metered, ShareGate, WorkerTime
from fuel.cluster.records import ClusterReport
from fuel.errors import FuelError, UsageError
from fuel.execute.pool import PoolSettings, WorkerPool
from fuel.feedback import heuristic as heuristics
from fuel.feedback.settings import SettingsAnnealing, SettingsSpace
from fuel.generate import registry
from fuel.generate.base import Generator
from fuel.store import CampaignStore, KnownIssues, Summary, load_known_issues, load_seen
from fuel.store.bugdir import BugFiles
from fuel.store.environment import current_environment
from fuel.store.faults import StoreFault, translated
from fuel.store.records import NewBug


class Pool(Runner, Protocol):
    """What the campaign runs programs on: the warm pool, or a stand-in in tests."""

    def close(self) -> None: ...


# The pool's settings and the campaign's generator, for a pool that can make the
# generator's programs where it runs them (a Ray cluster's); None when only bugs are
# reduced (``fuel reduce``).
PoolFactory = Callable[[PoolSettings, Generator | None], Pool]


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
        sandbox=settings.sandbox,
    )


def derived_seed(seed: int, recorded: int, stream: str) -> int:
    digest = hashlib.sha256(f"{stream}:{seed}:{recorded}".encode()).hexdigest()
    return int(digest[:12], 16)


@dataclass(frozen=True, slots=True)
class Wiring:
    """What the composition root (the command line) plugs into a campaign."""

    processors: tuple[BugProcessor, ...] = ()  # run on each new bug, in order
    pool_factory: PoolFactory | None = None  # None: the warm sandboxed pool
    # What a pool spread over a cluster says about itself (nodes, actors, lost tests),
    # kept in the store for the display and ``fuel status``; None: one machine.
    pool_report: Callable[[], ClusterReport] | None = None


def operators_of(generator: Generator) -> tuple[str, ...]:
    """The heuristic's universe: the generator's operators, sorted, each once."""
    return tuple(sorted(set(generator.operators())))


def known_issues_of(settings: CampaignSettings) -> KnownIssues:
    """What the campaign counts apart from new bugs: the known issues (shipped and
    ``--known-issues``), then the finds of the ``--seen`` campaigns."""
    here = settings.out.resolve()
    if any(out.resolve() == here for out in settings.seen):
        raise UsageError(f"--seen {here}: that is this campaign; name earlier ones")
    return load_known_issues(settings.known_issues) + load_seen(settings.seen)


def start(
    settings: CampaignSettings, display: Display, argv: list[str], wiring: Wiring = Wiring()
) -> Finished:
    known = known_issues_of(settings)
    registry_check(settings)
    generator = make_generator(settings)  # an LLM's preflight: before anything is on disk
    store = CampaignStore.create(settings.out, settings.to_stored(), current_environment(), known)
    return drive(store, settings, generator, display, argv, wiring)


def resume(
    settings_changes: dict[str, Any],
    out: Path,
    display: Display,
    argv: list[str],
    wiring: Wiring = Wiring(),
) -> Finished:
    again = go_on(out)
    store = CampaignStore.open(out, again=again)
    try:
        stored = CampaignSettings.from_stored(store.settings(), out)
        settings = stored.resumed_with(settings_changes)
        registry_check(settings)
        known = known_issues_of(settings)
        generator = make_generator(settings)
        with translated(out, again):
            store.use_known(known)
            store.update_settings(settings.to_stored())
    except BaseException:
        store.close()
        raise
    return drive(store, settings, generator, display, argv, wiring)


def go_on(out: Path) -> str:
    """How the user goes on with a campaign that stopped."""
    return f"go on with `fuel fuzz --resume {out}`"


def refuse_spent_limits(out: Path, settings_changes: dict[str, Any]) -> None:
    """One line for a resume whose campaign already reached a limit that the changes
    leave standing: it would stop before its first test. Both limits count over all the
    campaign's runs, so a campaign that ran its ``--time`` needs a longer one."""
    with CampaignStore.read(out) as store:
        stored = CampaignSettings.from_stored(store.settings(), out)
        recorded, spent = store.tests_recorded(), store.seconds_spent()
    settings = stored.resumed_with(settings_changes)
    if settings.max_rounds is not None and recorded >= settings.max_rounds:
        raise UsageError(f"the campaign in {out} already has {recorded} tests, and --max-round "
                         f"{settings.max_rounds} counts all its runs: give a larger "
                         "--max-round to go on")  # fmt: skip
    if settings.time_limit_s is not None and spent >= settings.time_limit_s:
        raise UsageError(f"the campaign in {out} already ran {spent:.0f} s, and --time "
                         f"{settings.time_limit_s:.0f}s counts all its runs: give a longer "
                         "--time to go on")  # fmt: skip


def make_generator(settings: CampaignSettings) -> Generator:
    return registry.create(
        settings.generator, registry.GeneratorSettings(settings.seed, settings.generator_options)
    )


def registry_check(settings: CampaignSettings) -> None:
    """Fail on a bad generator or heuristic name before anything is created on disk."""
    registry.GENERATORS.canonical(settings.generator)
    heuristics.canonical(settings.heuristic)


def drive(
    store: CampaignStore,
    settings: CampaignSettings,
    generator: Generator,
    display: Display,
    argv: list[str],
    wiring: Wiring,
) -> Finished:
    """Run the campaign; a directory that fails under it (full, read-only) ends it like
    an error, with every recorded test kept and one line saying so."""
    reason, error = "failed", None
    closers: list[Callable[[], None]] = []
    campaign = None
    again = go_on(store.layout.out)
    try:
        with translated(store.layout.out, again):
            campaign = prepare(store, settings, generator, display, wiring, closers)
            store.start_run(argv)
            display.refresh(store.summary())
            reason = campaign.run()
            error = campaign.error
    except KeyboardInterrupt:
        reason = "interrupted"
    except StoreFault as fault:
        reason, error = f"error: {fault}", fault
    except BaseException as failure:  # a fuel bug: recorded as the run's end, then raised
        reason = f"failed: {type(failure).__name__}: {failure}"[:500]
        raise
    finally:
        for close in reversed(closers):
            close()
        refused = wind_up(store, campaign, reason, again)
        try:
            with translated(store.layout.out, again):
                summary = store.summary(running=False)  # this process is done with it
        finally:
            store.close()
    return Finished(summary, reason, error or refused)


def wind_up(
    store: CampaignStore, campaign: Campaign | None, reason: str, again: str
) -> StoreFault | None:
    """Record the run's end and mend the files, as far as the directory lets: each step
    is tried, and the first it refused is returned (a full disk refuses them all)."""
    steps: list[Callable[[], None]] = []
    if campaign is not None:
        steps.append(lambda: record_generator_reports(store, campaign.producer))
    if store.run_id is not None:
        steps.append(lambda: store.finish_run(reason))
    steps.append(store.reconcile_files)  # Ctrl-C or an error may have cut a write short
    refused = None
    for step in steps:
        try:
            with translated(store.layout.out, again):
                step()
        except StoreFault as fault:
            refused = refused or fault
    return refused


def record_generator_reports(store: CampaignStore, producer: Producer) -> None:
    """What the generator says about itself (the LLM: status, spending), kept in meta."""
    store.set_generator_status(producer.generator.status())
    cost = producer.generator.cost_report()
    if cost:
        store.set_meta("generator_cost", cost)


def prepare(
    store: CampaignStore,
    settings: CampaignSettings,
    generator: Generator,
    display: Display,
    wiring: Wiring,
    closers: list[Callable[[], None]],
) -> Campaign:
    display.limits(settings.time_limit_s, settings.max_rounds)
    recorded = store.tests_recorded()
    operators = operators_of(generator)
    heuristic = heuristics.create(
        settings.heuristic,
        heuristics.HeuristicSettings(
            operators, derived_seed(settings.seed, recorded, "heuristic"), reward=settings.reward
        ),
    )
    admission, corpus = Admission(), Corpus()
    chooser = settings_chooser(settings, derived_seed(settings.seed, recorded, "settings"))
    coverage = CoveragePolicy(settings.coverage_policy, enabled=settings.coverage)
    if recorded:
        for test in store.history():
            feedback = test.feedback()
            heuristic.observe(feedback)
            admission.admits(feedback)
            coverage.remember(test.program.ops, test.settings, test.measured)
            if chooser is not None:
                chooser.observe(feedback)
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
        settings=chooser,
        coverage=coverage,
    )
    producer.start()  # generating (and loading the catalog) while the workers start
    closers.append(producer.stop)
    measuring = f" with coverage ({settings.coverage_policy})" if settings.coverage else ""
    display.note(f"starting {settings.jobs} worker(s){measuring}...")
    pool = open_pool(wiring, pool_settings(settings, settings.jobs, settings.coverage), generator)
    closers.append(pool.close)
    maker = pool if isinstance(pool, Maker) and pool.makes_programs else None
    if maker is not None:
        producer.order_programs()
        display.note("new programs are made where they run, from the generator's requests")
    store.set_cluster_report(wiring.pool_report() if wiring.pool_report else None)
    worker_time = WorkerTime()
    static_check = not settings.allow_unsafe
    checker = Checker(Metered(pool, worker_time), settings.options, static_check=static_check)
    processing = None
    processors = wiring.processors if settings.process_bugs else ()
    if processors:
        gate = ShareGate(pool, worker_time, settings.jobs)
        bug_checker = Checker(gate, settings.options, static_check=static_check)
        processing = hooks.BugProcessing(bug_checker, processors, gate)
        closers.append(processing.stop)
        for bug in unprocessed_bugs(store):
            processing.submit(bug)
    return Campaign(settings, store, checker, producer, admission, display, processing,
                    wiring.pool_report, worker_time, maker)  # fmt: skip


def open_pool(wiring: Wiring, settings: PoolSettings, generator: Generator | None) -> Pool:
    if wiring.pool_factory is None:
        return warm_pool(settings)
    return wiring.pool_factory(settings, generator)


def settings_chooser(settings: CampaignSettings, seed: int) -> SettingsAnnealing | None:
    """What chooses each test's compile settings; None: the campaign's options only."""
    if settings.settings_mode != "explore":
        return None
    space = SettingsSpace.build(settings.options, settings.pinned)
    return SettingsAnnealing(space, seed, settings.reward) if space.tokens else None


def unprocessed_bugs(store: CampaignStore) -> list[NewBug]:
    """Bugs recorded but not yet through the bug processors, oldest first."""
    found = []
    for bug in store.bugs(unprocessed=True):
        program = store.test_program(bug.first_test)
        verdict = store.test_verdict(bug.first_test)
        if program is not None and verdict is not None:
            directory = store.layout.bug_dir(bug.signature_id)
            options = BugFiles(directory).read_options(store.options())
            found.append(NewBug(bug.signature_id, directory, bug.first_test, program, verdict,
                                options))  # fmt: skip
    return found


def process_pending_bugs(
    out: Path, jobs: int, log: Callable[[str], None], wiring: Wiring
) -> int:
    """Run the bug processors on every bug of the campaign in ``out`` that has not been
    through them (a time limit or a kill cut them off); how many were processed.
    The campaign must not be running (its lock is taken)."""
    with CampaignStore.open(out, again=f"run `fuel reduce {out}` again") as store:
        settings = CampaignSettings.from_stored(store.settings(), out)
        store.use_known(known_issues_of(settings))
        pending = unprocessed_bugs(store)
        if not pending or not wiring.processors:
            log(f"{out}: no bug waits for processing")
            return 0
        log(f"{out}: processing {len(pending)} bug(s)")
        pool = open_pool(wiring, pool_settings(settings, jobs, coverage=False), None)
        try:
            checker = Checker(pool, settings.options, static_check=not settings.allow_unsafe)
            for bug in pending:
                processed = hooks.process(bug, checker, wiring.processors)
                log(hooks.record_processed(store, processed).line)
        finally:
            pool.close()
    return len(pending)
