"""The SQL of ``campaign.db`` and how a connection to it is opened.

The tables are documented in :mod:`fuel.store`'s docstring; change both together and
bump ``SCHEMA_VERSION``. A database of another version is refused with one line
rather than misread.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from fuel.errors import FuelError
from fuel.program.reading import irregular_kind
from fuel.store import faults

SCHEMA_VERSION = 8
VALID_OUTCOMES = ("pass", "bug", "skipped")  # the program ran in eager: a usable test
# A reader (fuel status) may meet a writer mid-commit; WAL makes that rare and short.
BUSY_TIMEOUT_MS = 10_000

CLASSES_TABLE = """
CREATE TABLE IF NOT EXISTS classes (
    class_id TEXT PRIMARY KEY,
    root_cause TEXT NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    known TEXT,
    first_bug TEXT NOT NULL,
    fixed_in TEXT
)"""
DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    pid INTEGER NOT NULL,
    argv TEXT NOT NULL,
    stop_reason TEXT,
    torch_version TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS tests (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    recorded_at REAL NOT NULL,
    elapsed_s REAL NOT NULL,
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    source TEXT NOT NULL,
    seed INTEGER,
    ops TEXT NOT NULL,
    origin TEXT NOT NULL,
    recipe TEXT NOT NULL,
    parent INTEGER REFERENCES tests(id),
    outcome TEXT NOT NULL,
    kind TEXT,
    stage TEXT,
    signature_id TEXT,
    detail TEXT NOT NULL,
    verdict TEXT NOT NULL,
    run_seconds REAL NOT NULL,
    generate_seconds REAL NOT NULL,
    new_lines INTEGER NOT NULL,
    covered_lines INTEGER NOT NULL,
    new_bug INTEGER NOT NULL,
    corpus INTEGER NOT NULL,
    fuel_error INTEGER NOT NULL DEFAULT 0,
    settings TEXT NOT NULL DEFAULT '[]',
    coverage_measured INTEGER NOT NULL DEFAULT 1,
    motifs TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS tests_by_signature ON tests(signature_id);
CREATE INDEX IF NOT EXISTS tests_by_parent ON tests(parent);
CREATE TABLE IF NOT EXISTS bugs (
    signature_id TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT,
    first_test INTEGER NOT NULL REFERENCES tests(id),
    last_test INTEGER NOT NULL REFERENCES tests(id),
    count INTEGER NOT NULL,
    known TEXT,
    processed INTEGER NOT NULL DEFAULT 0,
    processing_error TEXT,
    class_id TEXT
);
CREATE TABLE IF NOT EXISTS coverage (
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    test_id INTEGER NOT NULL REFERENCES tests(id),
    PRIMARY KEY (file, line)
) WITHOUT ROWID;
"""
# Views over the tables: a bug's class (its own signature until it is reduced) and
# whether it is known; and the running totals of the campaign after each test.
VIEWS = (
    """
CREATE VIEW IF NOT EXISTS bug_classes AS
SELECT b.*, COALESCE(b.class_id, b.signature_id) AS class_key,
       COALESCE(b.known, c.known) AS known_as, c.fixed_in AS fixed_in
FROM bugs b LEFT JOIN classes c ON c.class_id = b.class_id""",
    """
CREATE VIEW IF NOT EXISTS timeline AS
SELECT id AS tests,
       elapsed_s,
       covered_lines,
       SUM(outcome IN ('pass', 'bug', 'skipped')) OVER running AS valid,
       SUM(outcome = 'bug') OVER running AS bugs_total,
       SUM(id IN (SELECT MIN(first_test) FROM bug_classes
                  WHERE known_as IS NULL AND fixed_in IS NULL
                  GROUP BY class_key)) OVER running AS bugs_unique
FROM tests
WINDOW running AS (ORDER BY id ROWS UNBOUNDED PRECEDING)""",
)
TABLES = (DDL, CLASSES_TABLE + ";")


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode; transactions are explicit (``with conn:``). What SQLite
    refuses (a read-only place, a damaged file) raises a ``StoreFault``."""
    with contextlib.suppress(FileNotFoundError):  # a FIFO there would block SQLite forever
        kind = irregular_kind(path.stat().st_mode)
        if kind is not None:
            raise FuelError(f"{path} is {kind}, not a campaign database")
    try:
        conn = _reader(path) if readonly else _writer(path)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.DatabaseError as error:
        raise faults.fault(path.parent, error, faults.AGAIN) from None
    conn.row_factory = sqlite3.Row
    return conn


def _writer(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1e3)
    # WAL: readers never block the writer, and a killed writer leaves the database as
    # of its last commit. NORMAL sync keeps every commit across a process kill (kill -9
    # included); only an OS crash may lose the last few, and even then the file is never
    # corrupt.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _reader(path: Path) -> sqlite3.Connection:
    """A read-only connection, also where nothing may be written (a read-only mount).

    A WAL database is read through its ``-shm`` index, which SQLite must create when it
    is missing, as it is after the last writer closed cleanly. Where it cannot, the
    database is opened as immutable, which is right just then: with no WAL file left, the
    main file is the whole database. A WAL still holding commits is read the usual way."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1e3)
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)
    return conn


def create_tables(conn: sqlite3.Connection) -> None:
    with conn:
        for script in TABLES:
            conn.executescript(script)
        for view in VIEWS:
            conn.execute(view)
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )


def check_version(conn: sqlite3.Connection, path: Path) -> int:
    """The database's schema version; one line for a database this fuel cannot read."""
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as error:
        raise FuelError(f"{path} is not a fuel campaign database: {error}") from None
    found = row[0] if row else "none"
    if not str(found).isdigit() or not 1 <= int(found) <= SCHEMA_VERSION:
        raise FuelError(f"{path} has schema version {found}; this fuel reads 1 to {SCHEMA_VERSION}")
    return int(found)


def damage(conn: sqlite3.Connection) -> str | None:
    """What SQLite finds damaged in the database (its first complaint), or None.

    ``PRAGMA quick_check`` reads every page of every table and index (it skips only
    matching each index against its table): a tenth of a second for a campaign of ten
    thousand tests. Damage that the queries of a summary happen not to touch is found
    here before anything trusts, or writes to, the file."""
    try:
        found = str(conn.execute("PRAGMA quick_check(1)").fetchone()[0])
    except sqlite3.DatabaseError as error:
        if faults.trouble_of(error) is not faults.Trouble.DAMAGED:
            raise
        return str(error)
    return None if found == "ok" else found.strip().splitlines()[-1]  # past "*** in main ***"


def check_writable(conn: sqlite3.Connection) -> None:
    """Raise what a write would (``attempt to write a readonly database``) before any
    work is done: a write that changes nothing, rolled back, so nothing reaches the file."""
    try:
        conn.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")
    finally:
        conn.rollback()
