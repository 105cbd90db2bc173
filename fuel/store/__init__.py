"""The campaign store: ``OUT/campaign.db`` (SQLite, WAL) and the files derived from it.

The database is the truth; every file under ``OUT`` can be rebuilt from it, and is,
when a campaign is resumed. One transaction per test (see :mod:`fuel.store.db`).

Directory layout::

    OUT/campaign.db            the database (with campaign.db-wal, -shm beside it)
    OUT/campaign.lock          held (flock) by the running campaign; status reads it
    OUT/tests/000123.py        every test program, exactly as run, named by tests.id
    OUT/bugs/<signature_id>/   one per reportable bug signature (12 hex of sha1):
        program.py             the first program that showed it, exactly as run
        verdict.json           its Verdict (``Verdict.from_json`` reads it back)
        options.json           the CompileOptions it was judged with (asdict, sorted)
        ...                    bug processors (fuel.campaign.hooks) add repro, report
    OUT/bug_reports.txt        plain digest: one entry per reportable signature

Tables (schema version 5; times are Unix seconds, elapsed times campaign seconds)::

    meta(key, value)           schema_version, created_at, settings (JSON: generator,
                               heuristic, seed, compile options, limits, coverage...),
                               torch_version, python_version, fuel_version, cpu, platform,
                               generator_status, generator_cost (the generator's
                               status() and cost_report() as JSON, e.g. the LLM's mode
                               and spending; the status as it changes, the cost report
                               when a run ends; absent if the generator has none),
                               cluster (the latest run's ClusterReport), worker_seconds
                               (WorkerSeconds: the workers' time fuzzing and reducing,
                               all runs together, kept once a second)
    runs(id, started_at, heartbeat_at, pid, argv, stop_reason)
                               one row per start or resume; heartbeat_at is the time of
                               the run's last commit, so a killed run's length is known;
                               stop_reason is NULL for a run that was killed
    tests(id, run_id, recorded_at, elapsed_s, name, digest, source, seed, ops, origin,
          recipe, parent, outcome, kind, stage, signature_id, detail, verdict,
          run_seconds, generate_seconds, new_lines, covered_lines, new_bug, corpus,
          fuel_error, settings, coverage_measured)
                               one row per test, id 1, 2, ... in record order. ops: JSON
                               list of catalog names; origin: the Program's (builtin,
                               mutation, llm, ...); parent: the tests.id it was mutated
                               or repaired from; outcome: pass|invalid|bug|skipped|
                               rejected; verdict: Verdict.to_json(); new_lines: compiler
                               lines it was first to cover; covered_lines: the campaign's
                               union after it; new_bug: 1 on the first test of a
                               reportable signature; corpus: 1 if kept for mutation;
                               coverage_measured: 0 when the coverage policy (or
                               --no-coverage) left the test unmeasured: its new_lines
                               0 is then a blank, which replay must not learn from;
                               settings: JSON list of the compile settings it ran
                               with beyond the campaign's options, each in its one
                               text form (``fuel.execute.options.CompileSetting``)
    bugs(signature_id, signature, kind, stage, first_test, last_test, count, known,
         processed, processing_error)
                               one row per signature; count: tests showing it (first
                               included); known: the known-issues rule it matched (then
                               no directory, no report), or "seen in OUT" for a bug of a
                               --seen campaign (fuel.store.seen); processed: bug
                               processors ran
    coverage(file, line, test_id)
                               the union of covered compiler lines (file relative to
                               torch's parent, e.g. torch/_inductor/lowering.py) and the
                               first test to reach each
    timeline (view)            tests, elapsed_s, covered_lines, valid, bugs_total,
                               bugs_unique: running totals after each test

"Valid" tests are those whose program ran in eager: outcome pass, bug or skipped.
"""

from fuel.store.db import CampaignStore
from fuel.store.known import KnownIssues, load_known_issues
from fuel.store.records import (
    BugRecord,
    Environment,
    NewTest,
    Novelty,
    Recorded,
    StoredTest,
    Summary,
)
from fuel.store.seen import load_seen

__all__ = [
    "BugRecord",
    "CampaignStore",
    "Environment",
    "KnownIssues",
    "NewTest",
    "Novelty",
    "Recorded",
    "StoredTest",
    "Summary",
    "load_known_issues",
    "load_seen",
]
