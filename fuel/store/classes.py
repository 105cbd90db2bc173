"""Root-cause classes: a campaign's bugs folded by what their reduced programs share.

A bug (one signature) is its own class until it is reduced; then its
:class:`~fuel.judge.signature.RootCause` names its class, and bugs whose reduced
programs share one are variants of it (other dtypes, shapes, settings, programs).
The digest, ``fuel status`` and the HTML report count classes; a class matching a
known issue is shown as known and not counted as new.
"""

from __future__ import annotations

import sqlite3

from fuel import serial
from fuel.judge.signature import RootCause
from fuel.store.known import KnownIssues


def assign(conn: sqlite3.Connection, signature_id: str, cause: RootCause) -> bool:
    """Put a bug in its class (in the caller's transaction); True if the class is new."""
    new = conn.execute(
        "INSERT OR IGNORE INTO classes(class_id, root_cause, text, kind, first_bug) "
        "VALUES (?, ?, ?, ?, ?)",
        (cause.id, serial.dumps(cause), cause.text, cause.kind.value, signature_id),
    ).rowcount
    if cause.component:  # a later variant traced the class to torch's code: keep that
        conn.execute(
            "UPDATE classes SET root_cause = ? WHERE class_id = ? AND "
            "COALESCE(json_extract(root_cause, '$.component'), '') = ''",
            (serial.dumps(cause), cause.id),
        )
    conn.execute("UPDATE bugs SET class_id = ? WHERE signature_id = ?", (cause.id, signature_id))
    return bool(new)


def mark_known(conn: sqlite3.Connection, known: KnownIssues) -> None:
    """(Re)match every class against the known issues (in the caller's transaction)."""
    rows = conn.execute("SELECT class_id, root_cause FROM classes").fetchall()
    for class_id, text in rows:
        label = known.match_class(serial.loads(RootCause, text))
        conn.execute("UPDATE classes SET known = ? WHERE class_id = ?", (label, class_id))
