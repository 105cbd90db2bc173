"""The files of a campaign directory, all derived from ``campaign.db``.

Every file is written after the commit that recorded its content, atomically (a
temporary file renamed over the target), so a reader never sees half a file and a
kill leaves at worst a missing file, which :meth:`CampaignStore.open` rewrites from
the database. No file is ever read back by the campaign: the database is the truth.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fuel.store.records import BugRecord

TEMP_MARK = ".tmp-"


@dataclass(frozen=True, slots=True)
class Layout:
    out: Path

    @property
    def db(self) -> Path:
        return self.out / "campaign.db"

    @property
    def lock(self) -> Path:
        return self.out / "campaign.lock"

    @property
    def tests_dir(self) -> Path:
        return self.out / "tests"

    @property
    def bugs_dir(self) -> Path:
        return self.out / "bugs"

    @property
    def reports(self) -> Path:
        return self.out / "bug_reports.txt"

    def test_file(self, test_id: int) -> Path:
        return self.tests_dir / f"{test_id:06d}.py"

    def bug_dir(self, signature_id: str) -> Path:
        return self.bugs_dir / signature_id


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{TEMP_MARK}{path.name}.{os.getpid()}")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def remove_temporaries(layout: Layout) -> None:
    """Temporary files a killed writer left behind."""
    for folder in (layout.out, layout.tests_dir, *layout.bugs_dir.glob("*")):
        if folder.is_dir():
            for path in folder.glob(f"{TEMP_MARK}*"):
                with contextlib.suppress(OSError):
                    path.unlink()


def render_bug_reports(bugs: Sequence[BugRecord]) -> str:
    """The plain digest ``bug_reports.txt``: one entry per cause, with the bugs
    (signatures) that are its variants; known issues are listed apart. A cause is a
    root-cause class, or, for classes traced to torch's code, every class of one
    component and symptom (other operators reaching the same code): one report."""
    classes: dict[str, list[BugRecord]] = {}
    for bug in bugs:
        classes.setdefault(bug.class_id or bug.signature_id, []).append(bug)
    reportable = {c: members for c, members in classes.items()
                  if members[0].known is None and not members[0].fixed_in}  # fmt: skip
    known = {c: members for c, members in classes.items() if members[0].known is not None}
    fixed = {c: members for c, members in classes.items()
             if members[0].known is None and members[0].fixed_in}  # fmt: skip
    occurrences = sum(b.count for members in reportable.values() for b in members)
    causes = fold_by_component(reportable)
    lines = [
        f"fuel bug digest: {len(reportable)} root cause(s), {occurrences} occurrence(s), "
        f"{sum(len(m) for m in reportable.values())} signature(s); {len(causes)} report(s) "
        f"once folded by component",
        "",
    ]
    for number, folded in enumerate(causes, 1):
        if len(folded) == 1:
            lines += _class_entry(number, folded[0], reportable[folded[0]])
        else:
            lines += _cause_entry(number, [(c, reportable[c]) for c in folded])
    if known:
        count = sum(b.count for members in known.values() for b in members)
        lines.append(f"known issues (not reported again): {count} occurrence(s) of "
                     f"{len(known)} root cause(s)")  # fmt: skip
        lines.extend(f"    {members[0].known}  class {class_id}  x{sum(b.count for b in members)}"
                     for class_id, members in known.items())  # fmt: skip
        lines.append("")
    if fixed:
        lines.append(f"fixed upstream (no longer shown by a newer torch, --also-on): "
                     f"{len(fixed)} root cause(s)")  # fmt: skip
        lines.extend(f"    fixed in torch {members[0].fixed_in}  class {class_id}  "
                     f"x{sum(b.count for b in members)}" for class_id, members in fixed.items())
        lines.append("")
    return "\n".join(lines)


def fold_by_component(classes: dict[str, list[BugRecord]]) -> list[list[str]]:
    """Class ids grouped into causes, in order found: classes traced to one component
    with one symptom together, every other class alone."""
    causes: dict[tuple[str, str], list[str]] = {}
    for class_id, members in classes.items():
        first = members[0]
        key = (first.kind, first.component) if first.component else ("", class_id)
        causes.setdefault(key, []).append(class_id)
    return list(causes.values())


def _cause_entry(number: int, classes: list[tuple[str, list[BugRecord]]]) -> list[str]:
    first = classes[0][1][0]
    operators = sorted({op for _, members in classes for op in members[0].class_operators})
    count = sum(b.count for _, members in classes for b in members)
    variants = sum(len(members) for _, members in classes)
    lines = [f"[{number}] one cause: {first.component}  {first.kind}  x{count}  "
             f"({len(classes)} root-cause classes, {variants} variant(s))",
             f"    operators: {', '.join(operators) or '(none)'}", ""]  # fmt: skip
    for class_id, members in classes:
        lines += [f"    {line}" if line else line
                  for line in _class_entry(number, class_id, members)]  # fmt: skip
    return lines


def _class_entry(number: int, class_id: str, members: list[BugRecord]) -> list[str]:
    first = members[0]
    where = f" [{first.stage}]" if first.stage else ""
    count = sum(b.count for b in members)
    lines = [f"[{number}] {class_id}  {first.kind}{where}  x{count}  first in test "
             f"{first.first_test}  ({len(members)} variant(s))"]  # fmt: skip
    lines.append(f"    {first.detail.splitlines()[0] if first.detail else '(no detail)'}")
    if first.ops:
        lines.append(f"    ops: {', '.join(first.ops)}")
    for bug in members:
        dtype = f" {bug.dtype}" if bug.dtype else ""
        directory = f"bugs/{bug.signature_id}/"
        lines.append(f"    variant {bug.signature_id}{dtype} x{bug.count}: {directory}")
        lines.append(f"        signature: {bug.signature}")
    lines.append("")
    return lines
