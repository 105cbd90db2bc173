"""Migrations: campaign directories written by an older fuel, brought to this schema.

A campaign's ``meta.schema_version`` says which fuel wrote it. Opening it runs each
step from that version up, every step in one transaction, so a campaign keeps
resuming, reporting and replaying across fuel versions. A campaign held by a running
(older) fuel is never migrated under it.

v1 → v2 (records instead of strings in the bug wing):

* ``tests.fuel_error``: new column; tests whose worker failed are marked;
* ``tests.verdict``: each Verdict rewritten in its record form (the signature and
  the bisection as records). A signature's text, and so every bug's id, directory
  and known-issue match, is unchanged;
* ``meta.generator_status``: the generator's own JSON becomes a ``GeneratorStatus``
  whose ``spent_usd`` is typed (the LLM stored it as ``cost_usd``);
* ``bugs/<id>/``: ``verdict.json`` rewritten likewise, and ``reduction.json`` gains
  the report's title, read once from the first line of ``report.md``.

v2 → v3 (root-cause classes):

* ``bugs.class_id`` and the ``classes`` table; the ``bug_classes`` view, and the
  ``timeline`` view counting classes instead of signatures;
* every bug already reduced is put in its class, read from its ``reduced.py`` and the
  reduced program's verdict in ``reduction.json`` (which gains the class too); bugs
  not yet reduced stay their own class until they are.

v3 → v4 (compile settings per test):

* ``tests.settings``: the setting tokens a test ran with; every older test ran with
  the campaign's own options (``[]``).

v4 → v5 (coverage where it pays):

* ``tests.coverage_measured``: whether the test's coverage was measured; older fuel
  measured every test when the campaign had coverage on, and none when it was off;
* ``meta.settings`` gains ``coverage_policy``: ``all``, what older fuel did, so that
  a resumed campaign goes on measuring as it began.

v5 → v6 (the torch each run used, and bugs fixed upstream):

* ``runs.torch_version``: the torch a run used, so that a campaign resumed on another
  torch keeps the version each test ran on; older runs get the campaign's
  ``meta.torch_version``, the only one older fuel recorded;
* ``classes.fixed_in``: the newer torch build on which a class's repro no longer shows
  (``--also-on``); the views count such classes apart from new ones.

v6 → v7 (the shapes of each program):

* ``tests.motifs``: the census of the test's program (``fuel.generate.census``, a JSON
  list) as its recipe records it; older fuel recorded none, so older tests get ``[]``.

v7 → v8 (one record for compile settings, ``fuel.execute.options``):

* ``tests.settings``: every setting in its one stored text form (a string value bare:
  ``mode=max-autotune-no-cudagraphs``);
* ``meta.settings``: ``pinned`` as the families ``SettingFamily`` names;
* ``classes``: each root cause's settings read in either spelling it was kept in
  (root-cause classes quoted strings: ``mode='max-autotune'``) and written in the
  stored form; so its text, and where a setting was quoted its id, change with it
  (``bugs.class_id`` follows; two classes that differed only in spelling become one);
* ``bugs/<id>/reduction.json``: its root cause likewise.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace

from fuel import serial
from fuel.execute.options import SettingFamily, parse_all, texts
from fuel.generate.base import GeneratorStatus
from fuel.judge.signature import RootCause, root_cause
from fuel.judge.verdict import Verdict
from fuel.program.syntax import forward_operators
from fuel.store import classes
from fuel.store.bugdir import BugFiles
from fuel.store.files import Layout
from fuel.store.schema import CLASSES_TABLE, SCHEMA_VERSION, VIEWS

WORKER_FAILED = "fuel's worker failed: "


def version_of(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row and str(row[0]).isdigit() else 0


def migrate(conn: sqlite3.Connection, layout: Layout) -> None:
    """Bring the campaign to ``SCHEMA_VERSION``, one step at a time."""
    version = version_of(conn)
    while version in STEPS and version < SCHEMA_VERSION:
        step, version = STEPS[version], version + 1
        with conn:
            step.database(conn)
            conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),)
            )
        step.files(conn, layout)


def v2_database(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE tests ADD COLUMN fuel_error INTEGER NOT NULL DEFAULT 0")
    rows = conn.execute("SELECT id, verdict FROM tests").fetchall()
    for test_id, text in rows:
        verdict = _upgraded(text)
        conn.execute(
            "UPDATE tests SET verdict = ?, fuel_error = ? WHERE id = ?",
            (serial.dumps(verdict), int(bool(verdict.fuel_error)), test_id),
        )
    row = conn.execute("SELECT value FROM meta WHERE key = 'generator_status'").fetchone()
    if row is not None:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'generator_status'",
            (serial.dumps(_status(row[0])),),
        )


def _upgraded(text: str) -> Verdict:
    verdict = serial.loads(Verdict, text)
    if verdict.detail.startswith(WORKER_FAILED) and not verdict.fuel_error:
        return replace(verdict, fuel_error=verdict.detail.removeprefix(WORKER_FAILED))
    return verdict


def _status(text: str) -> GeneratorStatus:
    """A generator's own status JSON (v1) as a ``GeneratorStatus``."""
    try:
        data = json.loads(text)
    except ValueError:
        return GeneratorStatus(details=text)
    cost = data.get("cost_usd") if isinstance(data, dict) else None
    spent = float(cost) if isinstance(cost, int | float) else None
    return GeneratorStatus(spent_usd=spent, details=text)


def v2_files(conn: sqlite3.Connection, layout: Layout) -> None:
    for directory in sorted(layout.bugs_dir.glob("*")):
        bug = BugFiles(directory)
        verdict = bug.read_verdict()
        if verdict is not None:
            bug.write_record(bug.verdict, verdict)
        reduction = bug.read_reduction()
        if reduction is not None and not reduction.title and bug.report.is_file():
            bug.write_record(bug.reduction, replace(reduction, title=_report_title(bug)))


def _report_title(bug: BugFiles) -> str:
    lines = bug.report.read_text(encoding="utf-8", errors="replace").splitlines()[:1]
    return lines[0].removeprefix("# ").strip() if lines else ""


def v3_database(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE bugs ADD COLUMN class_id TEXT")
    conn.execute(CLASSES_TABLE)
    conn.execute("DROP VIEW IF EXISTS timeline")
    for view in VIEWS:
        conn.execute(view)


def v3_files(conn: sqlite3.Connection, layout: Layout) -> None:
    for directory in sorted(layout.bugs_dir.glob("*")):
        bug = BugFiles(directory)
        reduction = bug.read_reduction()
        if reduction is None or reduction.verdict is None or not bug.reduced.is_file():
            continue
        operators = forward_operators(bug.reduced.read_text(encoding="utf-8"))
        cause = reduction.root_cause or root_cause(reduction.verdict, operators)
        with conn:
            classes.assign(conn, directory.name, cause)
        bug.write_record(bug.reduction, replace(reduction, root_cause=cause))


def v4_database(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE tests ADD COLUMN settings TEXT NOT NULL DEFAULT '[]'")


def v5_database(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE tests ADD COLUMN coverage_measured INTEGER NOT NULL DEFAULT 1")
    row = conn.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
    settings = json.loads(row[0]) if row else {}
    if not settings.get("coverage", True):
        conn.execute("UPDATE tests SET coverage_measured = 0")
    if row is not None and "coverage_policy" not in settings:
        settings["coverage_policy"] = "all"
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'settings'",
            (json.dumps(settings, sort_keys=True),),
        )


def v6_database(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE runs ADD COLUMN torch_version TEXT NOT NULL DEFAULT ''")
    row = conn.execute("SELECT value FROM meta WHERE key = 'torch_version'").fetchone()
    if row is not None:  # the only torch older fuel knew of: the one the campaign began on
        conn.execute("UPDATE runs SET torch_version = ?", (row[0],))
    columns = {row[1] for row in conn.execute("PRAGMA table_info(classes)")}
    if "fixed_in" not in columns:  # v3's step creates the table as it is now
        conn.execute("ALTER TABLE classes ADD COLUMN fixed_in TEXT")
    for name in ("timeline", "bug_classes"):
        conn.execute(f"DROP VIEW IF EXISTS {name}")
    for view in VIEWS:
        conn.execute(view)


def v7_database(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE tests ADD COLUMN motifs TEXT NOT NULL DEFAULT '[]'")


def v8_database(conn: sqlite3.Connection) -> None:
    for (stored,) in conn.execute("SELECT DISTINCT settings FROM tests").fetchall():
        rewritten = json.dumps(texts(parse_all(json.loads(stored))))
        if rewritten != stored:
            conn.execute("UPDATE tests SET settings = ? WHERE settings = ?", (rewritten, stored))
    row = conn.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
    if row is not None:
        settings = json.loads(row[0])
        pinned = settings.get("pinned", ())
        settings["pinned"] = sorted(SettingFamily(name).value for name in pinned)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'settings'",
                     (json.dumps(settings, sort_keys=True),))  # fmt: skip
    for class_id, stored in conn.execute("SELECT class_id, root_cause FROM classes").fetchall():
        cause = serial.loads(RootCause, stored)  # settings read in either spelling
        taken = conn.execute("SELECT 1 FROM classes WHERE class_id = ?", (cause.id,)).fetchone()
        if cause.id != class_id and taken:  # it differed from that class only in spelling
            conn.execute("DELETE FROM classes WHERE class_id = ?", (class_id,))
        else:
            conn.execute("UPDATE classes SET class_id = ?, root_cause = ?, text = ? "
                         "WHERE class_id = ?",
                         (cause.id, serial.dumps(cause), cause.text, class_id))  # fmt: skip
        conn.execute("UPDATE bugs SET class_id = ? WHERE class_id = ?", (cause.id, class_id))


def v8_files(conn: sqlite3.Connection, layout: Layout) -> None:
    for directory in sorted(layout.bugs_dir.glob("*")):
        bug = BugFiles(directory)
        reduction = bug.read_reduction()
        if reduction is not None and reduction.root_cause is not None:
            bug.write_record(bug.reduction, reduction)  # its settings in the stored form


def no_files(conn: sqlite3.Connection, layout: Layout) -> None:
    """A step that changes no file."""


@dataclass(frozen=True, slots=True)
class Step:
    database: Callable[[sqlite3.Connection], None]  # in the step's transaction
    files: Callable[[sqlite3.Connection, Layout], None]  # after it commits; idempotent


STEPS = {  # from version N to N + 1
    1: Step(v2_database, v2_files),
    2: Step(v3_database, v3_files),
    3: Step(v4_database, no_files),
    4: Step(v5_database, no_files),
    5: Step(v6_database, no_files),
    6: Step(v7_database, no_files),
    7: Step(v8_database, v8_files),
}
