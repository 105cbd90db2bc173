"""The campaign store: one writer (the campaign), any number of readers (``fuel status``).

Every test is one transaction: its row, the coverage lines it was first to reach, its
bug's row (new, or one more duplicate) and the run's heartbeat are committed together,
then its files are written. A campaign killed at any instant therefore resumes from
its last commit with nothing half-recorded, and :meth:`CampaignStore.open` rewrites
whatever file the kill prevented. An exclusive lock on ``campaign.lock`` keeps two
campaigns from writing one directory; the kernel drops it when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import IO, Any

from fuel import serial
from fuel.cluster.records import ClusterReport
from fuel.errors import FuelError, UsageError
from fuel.execute.options import CompileSetting, apply, texts
from fuel.execute.records import CompileOptions, CoverageDelta
from fuel.generate.base import GeneratorStatus
from fuel.generate.recipe import recorded_motifs
from fuel.judge.signature import RootCause, evidence_key, identity_of
from fuel.judge.verdict import Verdict
from fuel.program.record import Program
from fuel.store import classes, faults, files, migrate, reads, schema, summary
from fuel.store.bugdir import BugFiles
from fuel.store.known import KnownIssues, installed_torch, load_known_issues
from fuel.store.records import (
    BugRecord,
    Classified,
    Environment,
    NewTest,
    Novelty,
    Recorded,
    StoredTest,
    Summary,
    WorkerSeconds,
)

TEST_COLUMNS = (
    "run_id", "recorded_at", "elapsed_s", "name", "digest", "source", "seed", "ops", "origin",
    "recipe", "parent", "outcome", "kind", "stage", "signature_id", "detail", "verdict",
    "run_seconds", "generate_seconds", "new_lines", "covered_lines", "new_bug", "corpus",
    "fuel_error", "settings", "coverage_measured", "motifs",
)  # fmt: skip
INSERT_TEST = (
    f"INSERT INTO tests({', '.join(TEST_COLUMNS)}) VALUES ({', '.join('?' for _ in TEST_COLUMNS)})"
)
UPSERT_BUG = """
INSERT INTO bugs(signature_id, signature, kind, stage, first_test, last_test, count, known)
VALUES (?, ?, ?, ?, ?, ?, 1, ?)
ON CONFLICT(signature_id) DO UPDATE SET count = count + 1, last_test = excluded.last_test
RETURNING count
"""


class CampaignStore:
    def __init__(
        self,
        layout: files.Layout,
        conn: sqlite3.Connection,
        lock: IO[str] | None,
        known: KnownIssues,
    ) -> None:
        self.layout = layout
        self.conn = conn
        self.known = known
        self._lock = lock
        self.covered: dict[str, set[int]] = {}
        self.covered_count = 0
        self.run_id: int | None = None
        self._run_started = 0.0
        self._elapsed_before = 0.0
        self._by_evidence: dict[str, str] | None = None  # evidence key -> signature id

    # ---------------------------------------------------------------- opening
    @classmethod
    def create(
        cls,
        out: Path,
        settings: dict[str, Any],
        environment: Environment,
        known: KnownIssues | None = None,
    ) -> CampaignStore:
        layout = files.Layout(out)
        meta = {
            "created_at": str(time.time()),
            "settings": json.dumps(settings, sort_keys=True),
            **{k: str(v) for k, v in asdict(environment).items()},
        }
        try:
            conn, lock = _create(layout, meta)
        except (OSError, sqlite3.Error) as error:
            raise UsageError(f"cannot create a campaign in {out} ({faults.detail_of(error)}): "
                             "choose another --out") from None  # fmt: skip
        return cls(layout, conn, lock, known or load_known_issues(None))

    @classmethod
    def open(
        cls, out: Path, known: KnownIssues | None = None, again: str = faults.AGAIN
    ) -> CampaignStore:
        """Open a campaign to continue it: reload its coverage, mend its files.

        A damaged, read-only or full campaign raises a ``StoreFault`` (``again``: how
        to go on once that is mended) before anything is written."""
        layout = files.Layout(out)
        if not layout.db.exists():
            raise UsageError(f"{out} holds no campaign (no campaign.db there)")
        with faults.translated(out, again):
            lock = _take_lock(layout)
        try:
            with faults.translated(out, again):
                return cls._opened(layout, lock, known)
        except BaseException:
            lock.close()
            raise

    @classmethod
    def _opened(
        cls, layout: files.Layout, lock: IO[str], known: KnownIssues | None
    ) -> CampaignStore:
        _refuse_damaged(layout)
        conn = schema.connect(layout.db)
        schema.check_writable(conn)
        if schema.check_version(conn, layout.db) < schema.SCHEMA_VERSION:
            migrate.migrate(conn, layout)
        store = cls(layout, conn, lock, known or load_known_issues(None))
        with conn:
            classes.mark_known(conn, store.known)
        for path, line in conn.execute("SELECT file, line FROM coverage"):
            store.covered.setdefault(path, set()).add(line)
        store.covered_count = sum(len(lines) for lines in store.covered.values())
        store.reconcile_files()
        return store

    @classmethod
    def read(cls, out: Path) -> CampaignStore:
        """Open read-only, beside a campaign that may be running (``fuel status``)."""
        layout = files.Layout(out)
        if not layout.db.exists():
            raise UsageError(f"{out} holds no campaign (no campaign.db there)")
        with faults.translated(out, faults.AGAIN):
            _refuse_damaged(layout)
            conn = schema.connect(layout.db, readonly=True)
        version = schema.check_version(conn, layout.db)
        if version < schema.SCHEMA_VERSION:
            conn.close()
            try:
                cls.open(out).close()  # migrates it to this fuel's schema
            except UsageError:
                raise FuelError(
                    f"{out} was written by an older fuel (schema {version}) that is running "
                    "it now; read it with that fuel, or once it stops"
                ) from None
            conn = schema.connect(layout.db, readonly=True)
        return cls(layout, conn, None, KnownIssues())

    def close(self) -> None:
        self.conn.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> CampaignStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- metadata
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def set_generator_status(self, status: GeneratorStatus) -> None:
        self.set_meta("generator_status", serial.dumps(status))

    def set_cluster_report(self, report: ClusterReport | None) -> None:
        """What the run's cluster says about itself; None: this run has no cluster."""
        self.set_meta(summary.CLUSTER_KEY, serial.dumps(report) if report is not None else "")

    def set_worker_seconds(self, seconds: WorkerSeconds) -> None:
        """The campaign's worker-seconds by use, all runs together."""
        self.set_meta(summary.WORKER_SECONDS_KEY, serial.dumps(seconds))

    def worker_seconds(self) -> WorkerSeconds:
        return summary.worker_seconds(self.conn)

    def settings(self) -> dict[str, Any]:
        return dict(json.loads(self.meta("settings") or "{}"))

    def options(self, settings: tuple[CompileSetting, ...] = ()) -> CompileOptions:
        """How a test with these compile settings was compiled: the campaign's options,
        changed by the settings."""
        base = serial.from_data(CompileOptions, self.settings().get("options", {}))
        return apply(base, settings)

    def update_settings(self, settings: dict[str, Any]) -> None:
        """A resume may change the limits and worker count; the rest stays as created."""
        with self.conn:
            self.conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'settings'",
                (json.dumps(settings, sort_keys=True),),
            )

    # ---------------------------------------------------------------- runs
    def seconds_spent(self) -> float:
        """The campaign's seconds over its finished or killed runs (a run's length is
        known up to its last commit)."""
        row = self.conn.execute(
            "SELECT COALESCE(SUM(heartbeat_at - started_at), 0) FROM runs"
        ).fetchone()
        return float(row[0])

    def start_run(self, argv: list[str]) -> int:
        now = time.time()
        self._elapsed_before = self.seconds_spent()
        with self.conn:
            cursor = self.conn.execute(
                "INSERT INTO runs(started_at, heartbeat_at, pid, argv, torch_version) "
                "VALUES (?, ?, ?, ?, ?)",
                (now, now, os.getpid(), json.dumps(argv), installed_torch()),
            )
        self.run_id = int(cursor.lastrowid or 0)
        self._run_started = now
        return self.run_id

    def finish_run(self, reason: str) -> None:
        if self.run_id is None:
            return
        with self.conn:
            self.conn.execute(
                "UPDATE runs SET heartbeat_at = ?, stop_reason = ? WHERE id = ?",
                (time.time(), reason, self.run_id),
            )

    def elapsed(self) -> float:
        return self._elapsed_before + (time.time() - self._run_started if self.run_id else 0.0)

    # ---------------------------------------------------------------- recording
    def novelty(self, verdict: Verdict, coverage: CoverageDelta | None) -> Novelty:
        """What a test would add if recorded now (``coverage`` None: not measured);
        nothing is changed."""
        lines = []
        for path, reached in coverage.files if coverage is not None else ():
            seen = self.covered.get(path, set())
            new = tuple(line for line in reached if line not in seen)
            if new:
                lines.append((path, new))
        return replace(self._bug_novelty(verdict, tuple(lines)), measured=coverage is not None)

    def _bug_novelty(
        self, verdict: Verdict, lines: tuple[tuple[str, tuple[int, ...]], ...]
    ) -> Novelty:
        if not verdict.is_bug:
            return Novelty(lines)
        identity = identity_of(verdict)
        signature, signature_id = identity.text, identity.id
        twin = self._same_evidence(verdict)
        if twin is not None and twin != signature_id:  # the same wrong numbers: a duplicate
            row = self.conn.execute(
                "SELECT signature, known FROM bugs WHERE signature_id = ?", (twin,)
            ).fetchone()
            return Novelty(lines, row[0], twin, False, row[1])
        row = self.conn.execute(
            "SELECT known FROM bugs WHERE signature_id = ?", (signature_id,)
        ).fetchone()
        if row is not None:
            return Novelty(lines, signature, signature_id, False, row[0])
        known = self.known.match(signature, signature_id, verdict)
        return Novelty(lines, signature, signature_id, known is None, known)

    def _same_evidence(self, verdict: Verdict) -> str | None:
        """The bug whose first test showed exactly this value mismatch, if any."""
        key = evidence_key(verdict)
        if key is None:
            return None
        if self._by_evidence is None:
            self._by_evidence = {}
            for bug in self.bugs():
                first = self.test_verdict(bug.first_test)
                known_key = evidence_key(first) if first is not None else None
                if known_key is not None:
                    self._by_evidence.setdefault(known_key, bug.signature_id)
        return self._by_evidence.get(key)

    def record(self, entry: NewTest) -> Recorded:
        assert self.run_id is not None, "start_run first"
        program, verdict, novelty = entry.program, entry.verdict, entry.novelty
        now = time.time()
        elapsed = self.elapsed()
        covered = self.covered_count + novelty.new_lines
        values = (
            self.run_id, now, elapsed, program.name, program.digest, program.source,
            program.seed, json.dumps(list(program.ops)), program.origin, program.recipe,
            entry.parent, verdict.outcome.value, verdict.kind.value if verdict.kind else None,
            verdict.stage.value if verdict.stage else None, novelty.signature_id or None,
            verdict.detail, serial.dumps(verdict), entry.run_seconds, entry.generate_seconds,
            novelty.new_lines, covered, int(novelty.new_bug), int(entry.corpus),
            int(bool(verdict.fuel_error)), json.dumps(texts(entry.settings)),
            int(novelty.measured), json.dumps(list(recorded_motifs(program.recipe))),
        )  # fmt: skip
        bug_count = 0
        with self.conn:
            test_id = int(self.conn.execute(INSERT_TEST, values).lastrowid or 0)
            self.conn.executemany(
                "INSERT OR IGNORE INTO coverage(file, line, test_id) VALUES (?, ?, ?)",
                ((path, line, test_id) for path, lines in novelty.lines_by_file for line in lines),
            )
            if novelty.signature_id:
                kind = verdict.kind.value if verdict.kind else "bug"
                stage = verdict.stage.value if verdict.stage else None
                bug = (novelty.signature_id, novelty.signature, kind, stage, test_id, test_id,
                       novelty.known)  # fmt: skip
                bug_count = self.conn.execute(UPSERT_BUG, bug).fetchone()[0]
            self.conn.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?", (now, self.run_id))
        for path, lines in novelty.lines_by_file:
            self.covered.setdefault(path, set()).update(lines)
        self.covered_count = covered
        files.atomic_write(self.layout.test_file(test_id), program.source)
        bug_dir = None
        key = evidence_key(verdict) if novelty.signature_id else None
        if key is not None and self._by_evidence is not None:
            self._by_evidence.setdefault(key, novelty.signature_id)
        if novelty.new_bug:
            bug_dir = self._write_bug_files(novelty.signature_id, program.source, verdict,
                                            entry.settings)  # fmt: skip
        if novelty.signature_id:
            self._rewrite_digest()
        return Recorded(test_id, elapsed, covered, bug_count, bug_dir)

    # ---------------------------------------------------------------- reading
    def summary(self, running: bool | None = None) -> Summary:
        """The campaign's summary; ``running`` defaults to whether a process holds it."""
        held = self.is_running() if running is None else running
        return summary.read_summary(self.conn, str(self.layout.out), held, self._live_pid())

    def _live_pid(self) -> int | None:
        """The process whose run is under way: this one once it started its run, else
        the one holding the lock (which writes its pid into the lock file)."""
        if self._lock is not None:
            return os.getpid() if self.run_id is not None else None
        try:
            text = self.layout.lock.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def is_running(self) -> bool:
        """Does a fuel process hold this campaign now (this one included)?"""
        if self._lock is not None:
            return True
        try:
            with open(self.layout.lock, encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except FileNotFoundError:
            return False
        except BlockingIOError:
            return True
        return False

    def tests_recorded(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM tests").fetchone()[0])

    def history(self) -> Iterator[StoredTest]:
        """Every test in record order, without its source: what resume replays."""
        return reads.history(self.conn)

    def corpus(self) -> list[StoredTest]:
        return reads.corpus(self.conn)

    def first_test_of(self, signature_id: str) -> StoredTest | None:
        """The first test of a bug signature, as resume replays it."""
        row = self.conn.execute(
            "SELECT first_test FROM bugs WHERE signature_id = ?", (signature_id,)
        ).fetchone()
        return reads.replayed(self.conn, row[0]) if row else None

    def test_program(self, test_id: int) -> Program | None:
        return reads.program(self.conn, test_id)

    def test_verdict(self, test_id: int) -> Verdict | None:
        return reads.verdict(self.conn, test_id)

    def bugs(self, *, unprocessed: bool = False) -> list[BugRecord]:
        """Every bug signature in order found; or those still owed bug processing."""
        return reads.bugs(self.conn, unprocessed=unprocessed)

    def use_known(self, known: KnownIssues) -> None:
        """Match bugs recorded from now on, and every root-cause class, against ``known``."""
        self.known = known
        with self.conn:
            classes.mark_known(self.conn, known)
        self._rewrite_digest()

    def classify(self, signature_id: str, cause: RootCause, fixed_in: str = "") -> Classified:
        """Put a reduced bug in its root-cause class; what that class is to the campaign.
        ``fixed_in``: a newer torch build on which the bug's repro no longer shows."""
        with self.conn:
            new = classes.assign(self.conn, signature_id, cause)
            label = self.known.match_class(cause)
            self.conn.execute("UPDATE classes SET known = ? WHERE class_id = ?", (label, cause.id))
            if fixed_in:
                self.conn.execute("UPDATE classes SET fixed_in = ? WHERE class_id = ?",
                                  (fixed_in, cause.id))  # fmt: skip
            row = self.conn.execute("SELECT fixed_in FROM classes WHERE class_id = ?",
                                    (cause.id,)).fetchone()  # fmt: skip
        self._rewrite_digest()
        return Classified(cause.id, new, label, row[0] or "")

    def _rewrite_digest(self) -> None:
        bugs = self.bugs()
        if bugs or self.layout.reports.exists():
            files.atomic_write(self.layout.reports, files.render_bug_reports(bugs))

    def mark_processed(self, signature_id: str, error: str | None = None) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE bugs SET processed = 1, processing_error = ? WHERE signature_id = ?",
                (error, signature_id),
            )

    def timeline(self) -> list[sqlite3.Row]:
        """Rows of the ``timeline`` view: tests, elapsed_s, covered_lines, valid, bugs."""
        return list(self.conn.execute("SELECT * FROM timeline ORDER BY tests"))

    # ---------------------------------------------------------------- files
    def _write_bug_files(
        self, signature_id: str, source: str, verdict: Verdict, settings: tuple[CompileSetting, ...]
    ) -> Path:
        """``bugs/<id>/``: the first program showing the bug, its verdict and the compile
        options it was judged with."""
        bug = BugFiles(self.layout.bug_dir(signature_id))
        bug.write("program.py", source)
        bug.write_record(bug.verdict, verdict)
        bug.write_options(self.options(settings))
        return bug.directory

    def reconcile_files(self) -> None:
        """Write every file the database implies and a kill may have prevented."""
        files.remove_temporaries(self.layout)
        self.layout.tests_dir.mkdir(parents=True, exist_ok=True)
        present = {p.name for p in self.layout.tests_dir.iterdir()}
        for test_id in reads.test_ids(self.conn):
            path = self.layout.test_file(test_id)
            if path.name not in present:
                files.atomic_write(path, reads.source(self.conn, test_id))
        bugs = self.bugs()
        for bug in bugs:
            directory = self.layout.bug_dir(bug.signature_id)
            bug_files = BugFiles(directory)
            made = (bug_files.program, bug_files.verdict, bug_files.options)
            if bug.known is None and not all(path.exists() for path in made):
                verdict = reads.verdict(self.conn, bug.first_test)
                assert verdict is not None
                source = reads.source(self.conn, bug.first_test)
                settings = reads.settings(self.conn, bug.first_test)
                self._write_bug_files(bug.signature_id, source, verdict, settings)
        self._rewrite_digest()


def _create(layout: files.Layout, meta: dict[str, str]) -> tuple[sqlite3.Connection, IO[str]]:
    """A new campaign.db holding ``meta``, and the campaign's lock; whatever this made is
    removed again when it fails (a full disk, a read-only place)."""
    if layout.db.exists():
        raise UsageError(
            f"{layout.out} already holds a campaign: continue it with "
            f"--resume {layout.out}, or choose another --out"
        )
    made = not layout.out.exists()
    layout.out.mkdir(parents=True, exist_ok=True)
    lock = _take_lock(layout)
    # Built aside and renamed into place: a kill during creation leaves no
    # campaign.db without its settings, which resume could not make sense of.
    building = layout.db.with_name(layout.db.name + ".creating")
    try:
        building.unlink(missing_ok=True)
        draft = sqlite3.connect(building)
        try:
            schema.create_tables(draft)
            with draft:
                draft.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", meta.items())
        finally:
            draft.close()
        os.replace(building, layout.db)
        conn = schema.connect(layout.db)
        layout.tests_dir.mkdir(exist_ok=True)
        layout.bugs_dir.mkdir(exist_ok=True)
    except BaseException:
        _unmake(layout, building, made)
        lock.close()
        raise
    return conn, lock


def _unmake(layout: files.Layout, building: Path, made: bool) -> None:
    """Undo a creation that failed before its campaign.db was complete."""
    if layout.db.exists():
        return
    with contextlib.suppress(OSError):
        building.unlink(missing_ok=True)
        layout.lock.unlink(missing_ok=True)
        if made:
            for folder in (layout.tests_dir, layout.bugs_dir, layout.out):
                if folder.is_dir():
                    folder.rmdir()


def _refuse_damaged(layout: files.Layout) -> None:
    """A ``StoreFault`` for a campaign.db SQLite finds damaged, checked on a read-only
    connection, which never writes the file (a writer's close would checkpoint into it)."""
    conn = schema.connect(layout.db, readonly=True)
    try:
        found = schema.damage(conn)
    finally:
        conn.close()
    if found is not None:
        raise faults.StoreFault(layout.out, faults.Trouble.DAMAGED, found, faults.AGAIN)


def _take_lock(layout: files.Layout) -> IO[str]:
    handle = open(layout.lock, "a+", encoding="utf-8")  # noqa: SIM115 (held until close)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise UsageError(f"another fuel process is running the campaign in {layout.out}") from None
    with contextlib.suppress(OSError):
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
    return handle
