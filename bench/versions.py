"""Which bugs show on which build of torch: every bug fixture, and every bug of campaigns.

Each interpreter given with ``--python`` (default: the two environments the test
command sets up, ``.venv`` with torch 2.15.0 and ``.venv-torch-2.13.0``) judges every
program file with ``fuel check`` (so it needs fuel's dependencies: ``FUEL_VENV=DIR
FUEL_TORCH_PIN=torch==X scripts/env.sh`` makes such an environment), and runs every
confirmed repro of each ``--campaign OUT`` in fuel's sandbox as ``--also-on`` does (there
only torch is needed). A program is judged with the backend its manifest entry names
(``backend``, default inductor). Programs: the known-issue fixtures (``tests/fixtures/known``),
``bench/bugs`` and ``bench/real_programs``. Printed: a table of shows / does not show
per build, then the programs whose manifest label (``shows_on`` in
``bench/bugs/manifest.yaml`` and ``bench/real_programs/manifest.yaml``) disagrees with
what was measured.

    python bench/versions.py [--python PY ...] [--campaign OUT ...] [-j 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuel.store.bugdir import BugFiles, BuildStatus  # noqa: E402
from fuel.store.known import of_release  # noqa: E402
from fuel.triage.builds import Build, build_of, check_builds  # noqa: E402

DEFAULT_PYTHONS = (ROOT / ".venv/bin/python", ROOT / ".venv-torch-2.13.0/bin/python")
PROGRAM_DIRS = (ROOT / "tests/fixtures/known", ROOT / "bench/bugs", ROOT / "bench/real_programs")
LABELLED_DIRS = PROGRAM_DIRS[1:]  # each program there names the builds it shows on
MANIFESTS = tuple(folder / "manifest.yaml" for folder in LABELLED_DIRS)
CHECK_TIMEOUT_S = 3600.0


def programs() -> list[Path]:
    return sorted(p for folder in PROGRAM_DIRS for p in folder.glob("*.py"))


def verdicts_on(build: Build, files: list[Path], jobs: int) -> dict[str, str]:
    """``fuel check --json`` of ``files`` in the build's interpreter, each with the backend
    its manifest names (default inductor): file -> cell."""
    cells: dict[str, str] = {}
    entries = manifest_entries()
    backends = {path.name: entries.get(path.name, {}).get("backend", "inductor") for path in files}
    for backend in sorted(set(backends.values())):
        group = [path for path in files if backends[path.name] == backend]
        cells.update(check_with(build, group, jobs, backend))
    return cells


def check_with(build: Build, files: list[Path], jobs: int, backend: str) -> dict[str, str]:
    done = subprocess.run(
        [build.python, "-m", "fuel.cli.main", "check", "--json", "-j", str(jobs),
         "--timeout", "180", "--backend", backend, *map(str, files)],
        capture_output=True, text=True, cwd=ROOT, timeout=CHECK_TIMEOUT_S,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    cells: dict[str, str] = {}
    for line in done.stdout.splitlines():
        if not line.startswith("{"):
            continue
        record: dict[str, Any] = json.loads(line)
        outcome, kind = record.get("verdict", "?"), record.get("kind") or ""  # Verdict.outcome
        cells[Path(record["file"]).name] = "shows " + kind if outcome == "bug" else outcome
    last = (done.stderr.strip().splitlines() or ["?"])[-1]
    for path in files:
        cells.setdefault(path.name, f"cannot run: {last}")
    return cells


def campaign_rows(out: Path, builds: tuple[Build, ...]) -> dict[str, dict[str, str]]:
    """Each confirmed repro of the campaign in ``out``, on every build."""
    rows: dict[str, dict[str, str]] = {}
    for directory in sorted((out / "bugs").iterdir()):
        files = BugFiles(directory)
        reduction = files.read_reduction()
        if not files.repro.is_file() or reduction is None or reduction.verdict is None:
            continue
        checks = check_builds(files.repro.read_text(encoding="utf-8"), reduction.verdict, builds)
        name = f"{out.name}/{directory.name}"
        rows[name] = {c.torch: _cell(c.status, c.detail) for c in checks}
        rows[name]["title"] = reduction.title
    return rows


def _cell(status: BuildStatus, detail: str) -> str:
    return status.value + (f" ({detail[:60]})" if status is BuildStatus.CANNOT_RUN else "")


def manifest_entries() -> dict[str, dict[str, Any]]:
    """program file name -> its entry in the bench manifests."""
    found: dict[str, dict[str, Any]] = {}
    for manifest in MANIFESTS:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
        found.update({f"{name}.py": entry for name, entry in data.items()
                      if isinstance(entry, dict)})  # fmt: skip
    return found


def labels() -> dict[str, list[str]]:
    """program file name -> the builds its manifest says it shows its bug on."""
    return {name: [str(v) for v in entry["shows_on"]]
            for name, entry in manifest_entries().items() if "shows_on" in entry}  # fmt: skip


def label_disagreements(rows: dict[str, dict[str, str]], builds: tuple[Build, ...]) -> list[str]:
    said_by = labels()
    wrong = [f"{path.name}: no shows_on in its manifest" for folder in LABELLED_DIRS
             for path in sorted(folder.glob("*.py")) if path.name not in said_by]  # fmt: skip
    for name, said in said_by.items():
        row = rows.get(name)
        if row is None:
            continue
        measured = [b.torch for b in builds if row[b.torch].startswith("shows")]
        expected = [b.torch for b in builds if any(of_release(b.torch, v) for v in said)]
        if measured != expected:
            wrong.append(f"{name}: manifest says shows_on {said}, measured {measured}")
    return wrong


def print_table(rows: dict[str, dict[str, str]], builds: tuple[Build, ...]) -> None:
    heads = [f"torch {b.torch}" for b in builds]
    width = max(len(name) for name in rows) if rows else 10
    print(f"{'program or bug':{width}} | " + " | ".join(f"{h:28}" for h in heads))
    print("-" * width + "-+-" + "-+-".join("-" * 28 for _ in heads))
    for name, row in rows.items():
        print(f"{name:{width}} | " + " | ".join(f"{row[b.torch][:28]:28}" for b in builds))
    for build in builds:
        shows = sum(row[build.torch].startswith("shows") for row in rows.values())
        print(f"torch {build.torch}: {shows} of {len(rows)} show a bug")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", default=None)
    parser.add_argument("--campaign", action="append", type=Path, default=[])
    parser.add_argument("--no-programs", action="store_true")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    builds = tuple(build_of(str(p)) for p in (args.python or DEFAULT_PYTHONS))
    rows: dict[str, dict[str, str]] = {}
    if not args.no_programs:
        files = programs()
        per_build = {b.torch: verdicts_on(b, files, args.jobs) for b in builds}
        for path in files:
            rows[path.name] = {torch: cells[path.name] for torch, cells in per_build.items()}
    for out in args.campaign:
        rows.update(campaign_rows(out, builds))
    print_table(rows, builds)
    for line in label_disagreements(rows, builds):
        print("label disagrees:", line)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
