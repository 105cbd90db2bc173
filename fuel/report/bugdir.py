"""A bug directory: what the campaign writes into it, and what the reducer adds.

::

    OUT/bugs/<signature_id>/
        program.py       the first program that showed the bug (the campaign's)
        verdict.json     its verdict (the campaign's)
        options.json     the compile options it was judged with
        reduced.py       the reduced program, in the program format
        reduction.json   the reduction: sizes, seconds, per-pass statistics, the
                         reduced program's verdict (bisect included), repro check
        repro.py         the standalone repro, confirmed in a fresh interpreter
        report.md        the bug report

``fuel reduce FILE`` writes the same files (but program.py and verdict.json) into
its ``--out`` directory. Files are written atomically, like the campaign's own.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from fuel.errors import UsageError
from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Verdict
from fuel.store.files import atomic_write


@dataclass(frozen=True, slots=True)
class BugFiles:
    directory: Path

    @property
    def program(self) -> Path:
        return self.directory / "program.py"

    @property
    def verdict(self) -> Path:
        return self.directory / "verdict.json"

    @property
    def options(self) -> Path:
        return self.directory / "options.json"

    @property
    def reduced(self) -> Path:
        return self.directory / "reduced.py"

    @property
    def reduction(self) -> Path:
        return self.directory / "reduction.json"

    @property
    def repro(self) -> Path:
        return self.directory / "repro.py"

    @property
    def report(self) -> Path:
        return self.directory / "report.md"

    def is_bug_dir(self) -> bool:
        return self.program.is_file()

    def read_verdict(self) -> Verdict | None:
        return _verdict(self.verdict)

    def read_reduction(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.reduction.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def reduced_verdict(self) -> Verdict | None:
        data = self.read_reduction().get("verdict")
        return Verdict.from_dict(data) if isinstance(data, dict) else None

    def read_options(self, fallback: CompileOptions | None = None) -> CompileOptions:
        try:
            data = json.loads(self.options.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return fallback or CompileOptions()
        return options_from_dict(data)

    def write_options(self, options: CompileOptions) -> None:
        atomic_write(self.options, json.dumps(asdict(options), sort_keys=True) + "\n")

    def write(self, name: str, text: str) -> Path:
        path = self.directory / name
        atomic_write(path, text)
        return path


def options_from_dict(data: dict[str, Any]) -> CompileOptions:
    names = {f.name for f in fields(CompileOptions)}
    return CompileOptions(**{k: v for k, v in data.items() if k in names})


def _verdict(path: Path) -> Verdict | None:
    try:
        return Verdict.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return None


def bug_files(path: Path) -> BugFiles:
    """The bug directory at ``path``, or a usage error saying what is missing."""
    files = BugFiles(path)
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory")
    if not files.is_bug_dir():
        raise UsageError(f"{path} is not a bug directory (no program.py in it)")
    return files
