"""Reading recorded tests and bugs back from ``campaign.db`` as records."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from fuel import serial
from fuel.execute.options import CompileSetting, parse_all
from fuel.judge.verdict import Outcome, Verdict
from fuel.program.record import Program
from fuel.store.records import BugRecord, StoredTest


def test_ids(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT id FROM tests ORDER BY id")]


def source(conn: sqlite3.Connection, test_id: int) -> str:
    return str(conn.execute("SELECT source FROM tests WHERE id = ?", (test_id,)).fetchone()[0])


def settings(conn: sqlite3.Connection, test_id: int) -> tuple[CompileSetting, ...]:
    row = conn.execute("SELECT settings FROM tests WHERE id = ?", (test_id,)).fetchone()
    return settings_of(row[0]) if row else ()


def settings_of(stored: str) -> tuple[CompileSetting, ...]:
    """A test's compile settings from ``tests.settings`` (a JSON list of their texts)."""
    return parse_all(json.loads(stored))


# What replay reads of a test. A bug test is stale (known or seen) unless it was the
# first of a new signature whose class, once reduced, was neither known, seen, fixed
# upstream, nor first found by another signature (``Feedback.stale_bug``).
REPLAYED = """
SELECT t.id, t.name, t.seed, t.ops, t.origin, t.outcome, t.new_lines, t.new_bug, t.parent,
       t.settings, t.coverage_measured, t.run_seconds,
       CASE WHEN t.outcome != 'bug' THEN 0 WHEN t.new_bug = 0 THEN 1 ELSE EXISTS (
           SELECT 1 FROM bug_classes b LEFT JOIN classes c ON c.class_id = b.class_id
           WHERE b.signature_id = t.signature_id
             AND (b.known_as IS NOT NULL OR b.fixed_in IS NOT NULL
                  OR c.first_bug != b.signature_id)) END AS stale_bug
FROM tests t"""


def history(conn: sqlite3.Connection) -> Iterator[StoredTest]:
    by_file: dict[int, list[tuple[str, int]]] = {}
    for test_id, path, count in conn.execute(
        "SELECT test_id, file, COUNT(*) FROM coverage GROUP BY test_id, file ORDER BY file"
    ):
        by_file.setdefault(test_id, []).append((path, count))
    for row in conn.execute(REPLAYED + " ORDER BY t.id"):
        yield _replayed(row, tuple(by_file.get(row["id"], ())))


def replayed(conn: sqlite3.Connection, test_id: int) -> StoredTest | None:
    """One test as :func:`history` gives it."""
    row = conn.execute(REPLAYED + " WHERE t.id = ?", (test_id,)).fetchone()
    if row is None:
        return None
    by_file = conn.execute(
        "SELECT file, COUNT(*) FROM coverage WHERE test_id = ? GROUP BY file ORDER BY file",
        (test_id,),
    )
    return _replayed(row, tuple((path, count) for path, count in by_file))


def _replayed(row: sqlite3.Row, by_file: tuple[tuple[str, int], ...]) -> StoredTest:
    ops = tuple(json.loads(row["ops"]))
    program = Program("", row["name"], row["seed"], ops, row["origin"])
    return StoredTest(row["id"], program, Outcome(row["outcome"]), row["new_lines"],
                      bool(row["new_bug"]), row["parent"],
                      settings=settings_of(row["settings"]),
                      measured=bool(row["coverage_measured"]),
                      stale_bug=bool(row["stale_bug"]), run_seconds=row["run_seconds"],
                      new_lines_by_file=by_file)  # fmt: skip


def corpus(conn: sqlite3.Connection) -> list[StoredTest]:
    rows = conn.execute(
        "SELECT t.*, (SELECT COUNT(*) FROM tests c WHERE c.parent = t.id) AS times_mutated"
        " FROM tests t WHERE t.corpus = 1 ORDER BY t.id"
    )
    return [StoredTest(row["id"], _program(row), Outcome(row["outcome"]), row["new_lines"],
                       bool(row["new_bug"]), row["parent"], row["times_mutated"],
                       settings_of(row["settings"]), bool(row["coverage_measured"]))
            for row in rows]  # fmt: skip


def program(conn: sqlite3.Connection, test_id: int) -> Program | None:
    row = conn.execute("SELECT * FROM tests WHERE id = ?", (test_id,)).fetchone()
    return _program(row) if row else None


def verdict(conn: sqlite3.Connection, test_id: int) -> Verdict | None:
    row = conn.execute("SELECT verdict FROM tests WHERE id = ?", (test_id,)).fetchone()
    return serial.loads(Verdict, row[0]) if row else None


def bugs(conn: sqlite3.Connection, *, unprocessed: bool = False) -> list[BugRecord]:
    query = (
        "SELECT b.*, t.detail, t.verdict, (SELECT c.root_cause FROM classes c "
        "WHERE c.class_id = b.class_id) AS cause "
        "FROM bug_classes b JOIN tests t ON t.id = b.first_test"
        + (" WHERE b.known IS NULL AND b.processed = 0" if unprocessed else "")
        + " ORDER BY b.first_test"
    )
    return [_bug(row) for row in conn.execute(query)]


def _program(row: sqlite3.Row) -> Program:
    ops = tuple(json.loads(row["ops"]))
    return Program(row["source"], row["name"], row["seed"], ops, row["origin"], row["recipe"])


def _bug(row: sqlite3.Row) -> BugRecord:
    verdict = json.loads(row["verdict"])
    numeric = verdict.get("numeric") or {}
    cause = json.loads(row["cause"]) if row["cause"] else {}
    return BugRecord(
        signature_id=row["signature_id"], signature=row["signature"], kind=row["kind"],
        stage=row["stage"], first_test=row["first_test"], last_test=row["last_test"],
        count=row["count"], known=row["known_as"], processed=bool(row["processed"]),
        processing_error=row["processing_error"], detail=row["detail"],
        ops=tuple(verdict.get("ops", ())), class_id=row["class_key"],
        dtype=str(numeric.get("dtype", "")), fixed_in=row["fixed_in"] or "",
        component=str(cause.get("component", "")),
        class_operators=tuple(cause.get("operators", ())),
    )  # fmt: skip
