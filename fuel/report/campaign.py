"""What the campaign report shows, read from ``OUT/campaign.db`` and ``OUT/bugs``.

Reading is separate from drawing (:mod:`fuel.report.html`) so that both are tested
alone. The queries follow the schema documented in :mod:`fuel.store`; the store is
opened read-only, so a report can be made while the campaign runs.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from fuel.store import BugRecord, CampaignStore, Summary
from fuel.store.bugdir import BugFiles
from fuel.store.schema import VALID_OUTCOMES

# Plotly draws every point it is given; past a few thousand, a timeline line shows
# nothing more, while the file grows by ~40 bytes a point. Longer ones are thinned.
MAX_TIMELINE_POINTS = 2000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    tests: int
    minutes: float
    covered_lines: int
    valid_share: float
    bugs_unique: int
    bugs_total: int


@dataclass(frozen=True, slots=True)
class OperatorUse:
    name: str
    tests: int
    valid: int
    bugs: int  # tests of this operator judged a bug
    new_bugs: int  # tests of this operator that found a new unique bug

    @property
    def bug_yield(self) -> float:
        """Bugs per hundred tests that used the operator."""
        return 100.0 * self.bugs / self.tests if self.tests else 0.0


@dataclass(frozen=True, slots=True)
class BugRow:
    signature_id: str
    class_id: str  # its root-cause class (its own signature id until it is reduced)
    kind: str
    stage: str
    count: int
    first_test: int
    title: str
    known: str | None
    links: tuple[tuple[str, str], ...]  # (label, path relative to the HTML file)
    reduced: str  # "18 -> 1 statements", or "" when not reduced
    repro: str  # "confirmed", "unconfirmed", or ""


@dataclass(frozen=True, slots=True)
class CampaignData:
    summary: Summary
    timeline: tuple[TimelinePoint, ...]
    outcomes: tuple[tuple[str, int], ...]
    bug_kinds: tuple[tuple[str, int], ...]
    operators: tuple[OperatorUse, ...]
    bugs: tuple[BugRow, ...]


def read_campaign(out: Path, html_dir: Path) -> CampaignData:
    with CampaignStore.read(out) as store:
        summary = store.summary()
        rows = store.timeline()
        conn = store.conn
        outcomes = conn.execute("SELECT outcome, COUNT(*) FROM tests GROUP BY outcome").fetchall()
        kinds = conn.execute(
            "SELECT kind, COUNT(*) FROM tests WHERE outcome = 'bug' GROUP BY kind"
        ).fetchall()
        uses = conn.execute("SELECT ops, outcome, new_bug FROM tests").fetchall()
        records = store.bugs()
    timeline = tuple(
        TimelinePoint(
            tests=row["tests"],
            minutes=row["elapsed_s"] / 60.0,
            covered_lines=row["covered_lines"],
            valid_share=100.0 * row["valid"] / row["tests"],
            bugs_unique=row["bugs_unique"],
            bugs_total=row["bugs_total"],
        )
        for row in thinned(rows)
    )
    bugs = tuple(bug_row(out, html_dir, record) for record in records)
    return CampaignData(
        summary=summary,
        timeline=timeline,
        outcomes=tuple(sorted((str(o), int(n)) for o, n in outcomes)),
        bug_kinds=tuple(sorted((str(k), int(n)) for k, n in kinds)),
        operators=operator_uses(
            (str(r["ops"]), str(r["outcome"]), bool(r["new_bug"])) for r in uses
        ),
        bugs=bugs,
    )


def thinned(rows: list[T]) -> list[T]:
    """At most MAX_TIMELINE_POINTS rows, evenly spread, the last always kept."""
    if len(rows) <= MAX_TIMELINE_POINTS:
        return rows
    step = len(rows) / MAX_TIMELINE_POINTS
    picked = [rows[int(i * step)] for i in range(MAX_TIMELINE_POINTS - 1)]
    return [*picked, rows[-1]]


def operator_uses(rows: Iterable[tuple[str, str, bool]]) -> tuple[OperatorUse, ...]:
    """Per catalog operator: tests using it, valid ones, bugs, new bugs; most used first."""
    tests: Counter[str] = Counter()
    valid: Counter[str] = Counter()
    bugs: Counter[str] = Counter()
    new: Counter[str] = Counter()
    for ops_json, outcome, new_bug in rows:
        for op in set(json.loads(ops_json or "[]")):
            tests[op] += 1
            valid[op] += outcome in VALID_OUTCOMES
            bugs[op] += outcome == "bug"
            new[op] += new_bug
    ordered = sorted(tests, key=lambda op: (-tests[op], op))
    return tuple(OperatorUse(op, tests[op], valid[op], bugs[op], new[op]) for op in ordered)


def bug_row(out: Path, html_dir: Path, record: BugRecord) -> BugRow:
    files = BugFiles(out / "bugs" / record.signature_id)
    names = (("report", files.report), ("repro", files.repro), ("reduced", files.reduced),
             ("program", files.program))  # fmt: skip
    links = tuple(
        (label, os.path.relpath(path, html_dir)) for label, path in names if path.is_file()
    )
    reduction = files.read_reduction()
    reduced, repro, title = "", "", ""
    if reduction is not None:
        before, after = reduction.before.forward_statements, reduction.after.forward_statements
        reduced = f"{before} → {after}"
        title = reduction.title
        if reduction.repro is not None:
            repro = "confirmed" if reduction.repro.reproduced else "unconfirmed"
    return BugRow(
        signature_id=record.signature_id,
        class_id=record.class_id,
        kind=record.kind,
        stage=record.stage or "",
        count=record.count,
        first_test=record.first_test,
        title=title or (record.detail.splitlines()[0] if record.detail else ""),
        known=record.known,
        links=links,
        reduced=reduced,
        repro=repro,
    )

