"""A campaign's :class:`Summary`, computed from its database alone.

The live display, the final summary of ``fuel fuzz`` and ``fuel status`` all read
this one function, so they cannot disagree. It costs a few indexed queries (about a
millisecond for ten thousand tests), cheap enough to run twice a second.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable

from fuel import serial
from fuel.cluster.records import ClusterReport
from fuel.execute.options import CompileSetting, SettingFamily
from fuel.execute.records import CompileOptions
from fuel.generate.base import GeneratorStatus
from fuel.judge.kinds import EAGER_KINDS, Kind, Outcome
from fuel.store.reads import settings_of
from fuel.store.records import KindCount, Summary, WorkerSeconds
from fuel.store.schema import VALID_OUTCOMES
from fuel.store.seen import SEEN_PREFIX

CLUSTER_KEY = "cluster"  # meta: the latest run's ClusterReport as JSON, "" without one
WORKER_SECONDS_KEY = "worker_seconds"  # meta: the campaign's WorkerSeconds as JSON
EAGER_KIND_NAMES = frozenset(kind.value for kind in EAGER_KINDS)
TARGET_COUNTS = ("SELECT settings, outcome, kind IS ?, COUNT(*) FROM tests "
                 "GROUP BY settings, outcome, kind IS ?")  # fmt: skip


def read_summary(
    conn: sqlite3.Connection, out: str, running: bool, live_pid: int | None = None
) -> Summary:
    """``running``: a process holds the campaign; ``live_pid``: the process whose run is
    under way (the latest run counts up to now only if it is that process's; while a
    resume starts, the latest run is the one before, which ended at its last commit)."""
    outcomes = dict(conn.execute("SELECT outcome, COUNT(*) FROM tests GROUP BY outcome").fetchall())
    totals = dict(
        conn.execute(
            "SELECT kind, COUNT(*) FROM tests WHERE outcome = 'bug' GROUP BY kind"
        ).fetchall()
    )
    unique = dict(
        conn.execute(
            "SELECT kind, COUNT(DISTINCT class_key) FROM bug_classes WHERE known_as IS NULL "
            "AND fixed_in IS NULL GROUP BY kind"
        ).fetchall()
    )
    known, classes_known, seen, classes_seen = conn.execute(
        "SELECT COALESCE(SUM(count * (known_as NOT LIKE :seen)), 0),"
        " COUNT(DISTINCT CASE WHEN known_as NOT LIKE :seen THEN class_key END),"
        " COALESCE(SUM(count * (known_as LIKE :seen)), 0),"
        " COUNT(DISTINCT CASE WHEN known_as LIKE :seen THEN class_key END)"
        " FROM bug_classes WHERE known_as IS NOT NULL",
        {"seen": SEEN_PREFIX + "%"},
    ).fetchone()
    classes_fixed = conn.execute(
        "SELECT COUNT(DISTINCT class_key) FROM bug_classes "
        "WHERE known_as IS NULL AND fixed_in IS NOT NULL"
    ).fetchone()[0]
    signatures = conn.execute("SELECT COUNT(*) FROM bugs WHERE known IS NULL").fetchone()[0]
    last = conn.execute("SELECT covered_lines, ops FROM tests ORDER BY id DESC LIMIT 1").fetchone()
    corpus = conn.execute("SELECT COUNT(*) FROM tests WHERE corpus = 1").fetchone()[0]
    fuel_errors = conn.execute("SELECT COUNT(*) FROM tests WHERE fuel_error = 1").fetchone()[0]
    measured = conn.execute("SELECT COUNT(*) FROM tests WHERE coverage_measured = 1").fetchone()[0]
    used = settings_used(
        (settings_of(row[0]), row[1])
        for row in conn.execute("SELECT settings, COUNT(*) FROM tests GROUP BY settings")
    )
    shapes = dict(
        conn.execute(
            "SELECT json_extract(recipe, '$.shapes'), COUNT(*) FROM tests "
            "WHERE json_valid(recipe) AND json_extract(recipe, '$.shapes') IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    if shapes:  # the built-in generator's shape class (small or vector) per test
        used["shapes"] = shapes
    motifs = motifs_used(conn.execute("SELECT motifs, COUNT(*) FROM tests GROUP BY motifs"))
    base = serial.from_data(CompileOptions, json.loads(_meta(conn, "settings") or "{}").get(
        "options", {}))  # fmt: skip
    refused = Kind.TARGET_REFUSED.value
    targets = targets_used(conn.execute(TARGET_COUNTS, (refused, refused)), base.target)
    runs = conn.execute(
        "SELECT id, started_at, heartbeat_at, stop_reason, pid, torch_version FROM runs "
        "ORDER BY id"
    ).fetchall()
    elapsed, run_elapsed, run_tests, reason = 0.0, 0.0, 0, None
    if runs:
        latest = runs[-1]
        live = running and latest["pid"] == live_pid and latest["stop_reason"] is None
        end = time.time() if live else latest["heartbeat_at"]
        run_elapsed = max(0.0, end - latest["started_at"])
        elapsed = sum(r["heartbeat_at"] - r["started_at"] for r in runs[:-1]) + run_elapsed
        run_tests = conn.execute(
            "SELECT COUNT(*) FROM tests WHERE run_id = ?", (latest["id"],)
        ).fetchone()[0]
        reason = latest["stop_reason"]
    settings = json.loads(_meta(conn, "settings") or "{}")
    eager_bugs = tuple(  # eager's own bugs (compiled was right): never compile bugs
        KindCount(kind, unique.pop(kind, 0), totals.pop(kind, 0))
        for kind in sorted(EAGER_KIND_NAMES & (set(totals) | set(unique)))
    )
    by_kind = tuple(
        KindCount(kind, unique.get(kind, 0), totals.get(kind, 0))
        for kind in sorted(set(totals) | set(unique))
    )
    return Summary(
        out=out,
        tests=sum(outcomes.values()),
        valid=sum(outcomes.get(o, 0) for o in VALID_OUTCOMES),
        passed=outcomes.get("pass", 0),
        invalid=outcomes.get("invalid", 0),
        skipped=outcomes.get("skipped", 0),
        rejected=outcomes.get("rejected", 0),
        bugs_unique=sum(unique.values()),
        bugs_total=outcomes.get("bug", 0) - sum(k.total for k in eager_bugs),
        bugs_known=int(known),
        by_kind=by_kind,
        eager_bugs=eager_bugs,
        covered_lines=last["covered_lines"] if last else 0,
        elapsed_s=elapsed,
        run_tests=run_tests,
        run_elapsed_s=run_elapsed,
        runs=len(runs),
        running=running,
        corpus=corpus,
        last_ops=tuple(json.loads(last["ops"])) if last else (),
        generator=str(settings.get("generator", "")),
        heuristic=str(settings.get("heuristic", "")),
        coverage=bool(settings.get("coverage", False)),
        torch_version=_meta(conn, "torch_version") or "",
        torch_versions=tuple(dict.fromkeys(r["torch_version"] for r in runs if r["torch_version"])),
        classes_fixed_upstream=classes_fixed,
        stop_reason=reason,
        spent_usd=_spent(_meta(conn, "generator_status")),
        fuel_errors=fuel_errors,
        signatures=signatures,
        classes_known=classes_known,
        bugs_seen=int(seen),
        classes_seen=classes_seen,
        settings_used=used,
        cluster=_cluster(_meta(conn, CLUSTER_KEY)),
        coverage_policy=str(settings.get("coverage_policy", "all")),
        measured=measured,
        worker_seconds=worker_seconds(conn),
        motifs_used=motifs,
        targets_used=targets,
    )


def settings_used(
    rows: Iterable[tuple[tuple[CompileSetting, ...], int]],
) -> dict[str, dict[str, int]]:
    """Tests per setting name and value, from (settings, tests) pairs: the tests without
    a setting of a name count under "default"."""
    counts: dict[str, dict[str, int]] = {}
    total = 0
    for settings, tests in rows:
        total += tests
        for setting in settings:
            values = counts.setdefault(setting.name, {})
            values[setting.word] = values.get(setting.word, 0) + tests
    for values in counts.values():
        values["default"] = total - sum(values.values())
    return counts


def targets_used(
    rows: Iterable[tuple[str, str, int, int]], base: str
) -> dict[str, dict[str, int]]:
    """Tests per target, from (settings, outcome, refused, tests) rows: a test without a
    target setting ran on the campaign's own (``base``)."""
    counts: dict[str, dict[str, int]] = {}
    for stored, outcome, refused, tests in rows:
        named = (s.value for s in settings_of(stored) if s.family is SettingFamily.TARGET)
        target = counts.setdefault(str(next(named, base)), {"tests": 0, "refused": 0, "leads": 0})
        target["tests"] += tests
        if refused:
            target["refused" if outcome == Outcome.INVALID.value else "leads"] += tests
    return dict(sorted(counts.items()))


def motifs_used(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Tests per census shape (``fuel.generate.census``), from ``tests.motifs``: a test
    counts once for every shape its program has."""
    counts: Counter[str] = Counter()
    for text, tests in rows:
        for name in json.loads(text):
            counts[name] += tests
    return dict(sorted(counts.items()))


def worker_seconds(conn: sqlite3.Connection) -> WorkerSeconds:
    stored = _meta(conn, WORKER_SECONDS_KEY)
    return serial.loads(WorkerSeconds, stored) if stored else WorkerSeconds()


def _cluster(stored: str | None) -> ClusterReport | None:
    return serial.loads(ClusterReport, stored) if stored else None


def _spent(status: str | None) -> float | None:
    """What the generator's stored status says it spent, when it says."""
    return serial.loads(GeneratorStatus, status).spent_usd if status else None


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None
