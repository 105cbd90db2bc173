"""Bugs seen in earlier campaigns (``fuel fuzz --seen OUT``): counted apart, not new.

A fuzzer's worth is what it finds after the first bugs, so a campaign may name the
campaign directories whose finds it should not count again. Each one's bug
signatures and root-cause classes are read from its ``campaign.db`` (read-only, never
migrated) and become rules of the known-issues kind, labelled ``seen in OUT``: a test
showing a seen signature is counted, gets no directory and no reduction, as a known
issue's does; a reduced bug whose class was seen is marked so and not counted as new.
FASA rewards neither (:mod:`fuel.feedback.reward`), and ``fuel status`` counts seen
classes apart from known and new ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from fuel.errors import UsageError
from fuel.store import schema
from fuel.store.files import Layout
from fuel.store.known import KnownIssues, Rule

SEEN_PREFIX = "seen in "  # the label's start: how the store tells seen from known


def seen_label(out: Path) -> str:
    return f"{SEEN_PREFIX}{out}"


def is_seen(label: str | None) -> bool:
    return label is not None and label.startswith(SEEN_PREFIX)


def load_seen(outs: Iterable[Path]) -> KnownIssues:
    """Rules for every bug signature and root-cause class of the campaigns in ``outs``."""
    rules: list[Rule] = []
    for out in outs:
        label = seen_label(out)
        signatures, classes = read_finds(out)
        rules += [Rule(label, signature_id=signature) for signature in signatures]
        rules += [Rule(label, class_id=class_id) for class_id in classes]
    return KnownIssues(tuple(rules))


def read_finds(out: Path) -> tuple[list[str], list[str]]:
    """The signature ids and class ids a campaign recorded (one line for a bad path)."""
    db = Layout(out).db
    if not db.is_file():
        raise UsageError(f"--seen {out}: no campaign there (no campaign.db)")
    conn = schema.connect(db, readonly=True)
    try:
        schema.check_version(conn, db)
        signatures = [row[0] for row in conn.execute("SELECT signature_id FROM bugs")]
        classes = [row[0] for row in conn.execute("SELECT class_id FROM classes")]
    except sqlite3.OperationalError as error:  # a campaign older than classes (schema 3)
        if "no such table: classes" not in str(error):
            raise UsageError(f"--seen {out}: cannot read its campaign.db: {error}") from None
        classes = []
    finally:
        conn.close()
    return signatures, classes
