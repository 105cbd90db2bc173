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
    """The plain digest ``bug_reports.txt``: one entry per reportable signature."""
    reportable = [b for b in bugs if b.known is None]
    known = [b for b in bugs if b.known is not None]
    lines = [
        f"fuel bug digest: {len(reportable)} unique bug(s), "
        f"{sum(b.count for b in reportable)} occurrence(s)",
        "",
    ]
    for number, bug in enumerate(reportable, 1):
        where = f" [{bug.stage}]" if bug.stage else ""
        lines.append(
            f"[{number}] {bug.signature_id}  {bug.kind}{where}  x{bug.count}  "
            f"first in test {bug.first_test}"
        )
        lines.append(f"    {bug.detail.splitlines()[0] if bug.detail else '(no detail)'}")
        if bug.ops:
            lines.append(f"    ops: {', '.join(bug.ops)}")
        lines.append(f"    signature: {bug.signature}")
        lines.append(f"    files: bugs/{bug.signature_id}/")
        lines.append("")
    if known:
        occurrences = sum(b.count for b in known)
        lines.append(
            f"known issues (not reported again): {occurrences} occurrence(s) "
            f"of {len(known)} signature(s)"
        )
        lines.extend(f"    {b.signature_id}  x{b.count}  rule: {b.known}" for b in known)
        lines.append("")
    return "\n".join(lines)
