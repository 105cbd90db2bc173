"""The fresh-yield benchmark: root-cause classes nobody has found before, per hour.

Runs two campaigns at once on this checkout's torch (each with half of ``--jobs``),
the same seed and time, both told that every class fuel found before is seen:

* ``fresh``: the default ``fuel fuzz`` (motifs on, ``--reward fresh``);
* ``baseline``: the same with the motifs and the reward change off (``--no-motifs
  --reward classic``): what fuel did before issue 24.

Seen (``--seen``) are the bench's bug programs (``bench/bugs/*.py`` and the
``bench/real_programs`` whose manifest verdict is a bug), made once per torch version
and set of programs into a campaign directory of their own under ``--out`` (each
program checked, its bug reduced to its class), and every campaign directory named
with ``--seen`` here. When both arms end, the bugs their time limit left unreduced are
reduced (``fuel reduce OUT``), so that what is counted are classes, not signatures.

Printed per arm: tests, compiler lines covered (and those the other arm never
reached), new root-cause classes and new classes per hour, known and seen ones apart,
worker-seconds per new line and per new class, and each new class with the operators
and motifs of the test that first showed it (its census, ``tests.motifs``; ``-`` when
the program has none).

    python bench/fresh_yield.py [--minutes 60] [--jobs 2] [--seed 1] [--seen OUT]...
                                [--out results/bench]

The bench programs' campaign is made again only when torch or a program changes; remove
its directory to remake it after a change to how fuel derives classes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.campaign import covered, default_campaign, query, run_at_once  # noqa: E402

BENCH_BUGS = ROOT / "bench" / "bugs"
REAL_PROGRAMS = ROOT / "bench" / "real_programs"
# The switches the baseline arm turns off: the motifs (issue 24 item 2's flag) and the
# reward of items 1, 3 and 4 (``fuel.feedback.reward``).
BASELINE_FLAGS = ("--no-motifs", "--reward", "classic")


def bench_programs() -> list[Path]:
    """The bench's bug programs: bench/bugs, and the real programs whose manifest says bug."""
    manifest = yaml.safe_load((REAL_PROGRAMS / "manifest.yaml").read_text(encoding="utf-8"))
    real = [
        REAL_PROGRAMS / f"{name}.py"
        for name, entry in sorted(manifest.items())
        if entry.get("verdict") == "bug"
    ]
    return sorted(BENCH_BUGS.glob("*.py")) + real


def torch_version() -> str:
    from importlib import metadata

    return metadata.version("torch")


def seen_directory(out: Path, programs: list[Path]) -> Path:
    """Where the bench programs' campaign is kept: one per torch and set of programs."""
    digest = hashlib.sha256()
    for path in programs:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return out / f"seen-bench-{torch_version()}-{digest.hexdigest()[:10]}"


def record_programs(out: Path, programs: list[Path], jobs: int) -> None:
    """A campaign directory whose tests are ``programs``, each checked once, as a
    campaign would (the default compile options, the warm sandboxed pool)."""
    from fuel.campaign.session import pool_settings, warm_pool
    from fuel.campaign.settings import CampaignSettings
    from fuel.check import Checker
    from fuel.store import CampaignStore, NewTest, load_known_issues
    from fuel.store.environment import current_environment

    settings = CampaignSettings(out=out, generator="bench-programs", jobs=jobs)
    store = CampaignStore.create(
        out, settings.to_stored(), current_environment(), load_known_issues(None)
    )
    store.start_run(sys.argv)
    pool = warm_pool(pool_settings(settings, jobs, coverage=False))
    try:
        checker = Checker(pool, settings.options)
        for path, future in [(path, checker.submit_file(path)) for path in programs]:
            checked = future.result()
            novelty = store.novelty(checked.verdict, None)
            seconds = checked.result.seconds if checked.result else 0.0
            store.record(NewTest(checked.program, checked.verdict, novelty, run_seconds=seconds))
            print(f"  {path.name}: {checked.verdict.outcome.value} {checked.verdict.detail[:90]}")
        store.finish_run("every program checked")
    finally:
        pool.close()
        store.close()


def bench_finds(out: Path, jobs: int) -> Path:
    """The campaign directory of the bench's bug programs, made (and reduced) if needed."""
    programs = bench_programs()
    directory = seen_directory(out, programs)
    if not (directory / "campaign.db").exists():
        print(f"making {directory} from {len(programs)} bench programs", flush=True)
        record_programs(directory, programs, jobs)
    reduce_pending([directory], jobs)
    unclassed = query(
        directory / "campaign.db",
        "SELECT signature_id FROM bugs WHERE known IS NULL AND class_id IS NULL",
    )
    if unclassed:  # its processing failed: only the signature itself counts as seen
        print(
            f"warning: {len(unclassed)} bench bug(s) have no class (bug processing failed, "
            f"see `fuel status {directory}`): remove {directory} to make it again"
        )
    return directory


def reduce_pending(outs: list[Path], jobs: int) -> None:
    """``fuel reduce OUT`` on each campaign at once: their bugs left unreduced."""
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "fuel.cli.main", "reduce", str(out), "-j", str(jobs)], cwd=ROOT
        )
        for out in outs
    ]
    if any(process.wait() for process in running):
        raise SystemExit("bench: fuel reduce failed")


def require_switches() -> None:
    """Stop with one line if this fuel lacks a switch the baseline arm needs."""
    help_text = subprocess.run(
        [sys.executable, "-m", "fuel.cli.main", "fuzz", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    missing = [flag for flag in BASELINE_FLAGS if flag.startswith("--") and flag not in help_text]
    if missing:
        raise SystemExit(
            f"bench: fuel fuzz has no {', '.join(missing)}: the baseline arm needs it (issue 24)"
        )


# Each new class (neither known nor seen): its text (its signature while it is not
# reduced), and the operators and census (``tests.motifs``) of the test that first
# showed it.
NEW_CLASSES = """
SELECT COALESCE(c.text, b.signature), t.ops, t.motifs
FROM bug_classes b JOIN tests t ON t.id = b.first_test
     LEFT JOIN classes c ON c.class_id = b.class_id
WHERE b.known_as IS NULL
  AND b.first_test = (SELECT MIN(first_test) FROM bug_classes x WHERE x.class_key = b.class_key)
ORDER BY b.first_test"""


def new_classes(db: Path) -> list[tuple[str, list[str], list[str]]]:
    """Each new class: its text, and the operators and motifs of its first test."""
    return [
        (str(text), json.loads(ops), json.loads(motifs))
        for text, ops, motifs in query(db, NEW_CLASSES)
    ]


def figure(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else "-"


def status(out: Path) -> dict[str, object]:
    command = [sys.executable, "-m", "fuel.cli.main", "status", str(out), "--json"]
    text = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(text))


def print_arm(arm: str, out: Path, other: Path) -> float:
    """The arm's fresh yield; back: its new classes per hour."""
    db = out / "campaign.db"
    summary = status(out)
    hours = (query(db, "SELECT MAX(elapsed_s) FROM tests")[0][0] or 0.0) / 3600
    classes = summary["root_causes"]
    assert isinstance(classes, dict)
    per_hour = classes["new"] / hours if hours else 0.0
    lines = covered(db)
    only = len(lines - covered(other / "campaign.db"))
    print(f"\n{arm}: {out}")
    print(f"  tests                  {summary['tests']} in {60 * hours:.1f} min")
    print(f"  compiler lines         {len(lines)} ({only} the other arm never reached)")
    print(
        f"  new root causes        {classes['new']} ({per_hour:.2f} per hour); known "
        f"{classes['known']}, seen {classes['seen']}"
    )
    print(
        f"  worker-s per new line  {figure(summary['worker_seconds_per_new_line'])}; per new "
        f"class {figure(summary['worker_seconds_per_new_class'])}"
    )
    motifs: Counter[str] = Counter()
    operators: Counter[str] = Counter()
    for text, ops, found in new_classes(db):
        motifs.update(found)
        operators.update(ops)
        print(
            f"    {text[:110]}\n      ops {', '.join(ops) or '-'}; motifs {', '.join(found) or '-'}"
        )
    print(f"  motifs of new classes  {dict(motifs.most_common()) or '-'}")
    print(f"  operators              {dict(operators.most_common(12)) or '-'}")
    return per_hour


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=2, help="workers of both arms together")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--seen",
        type=Path,
        action="append",
        default=[],
        help="a campaign directory whose classes are not new (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=Path("results/bench"))
    args = parser.parse_args()
    require_switches()
    for path in args.seen:
        if not (path / "campaign.db").is_file():
            raise SystemExit(f"bench: --seen {path}: no campaign there (no campaign.db)")
    out = args.out.resolve()
    seen = [bench_finds(out, args.jobs), *(p.resolve() for p in args.seen)]
    print(f"torch {torch_version()}; seen: {', '.join(str(p) for p in seen)}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    arm_args = argparse.Namespace(**{**vars(args), "jobs": max(1, args.jobs // 2)})
    seen_flags = [flag for path in seen for flag in ("--seen", str(path))]
    outs = {arm: out / f"fresh-{stamp}-{arm}" for arm in ("fresh", "baseline")}
    flags = {"fresh": seen_flags, "baseline": [*seen_flags, *BASELINE_FLAGS]}
    arms = {
        arm: ([*default_campaign(ROOT, outs[arm], arm_args), *flags[arm]], ROOT, outs[arm])
        for arm in outs
    }
    run_at_once(arms, arm_args.jobs)
    print("\nreducing the bugs the time limit left unreduced", flush=True)
    reduce_pending(list(outs.values()), arm_args.jobs)
    rates = {
        arm: print_arm(arm, outs[arm], outs["baseline" if arm == "fresh" else "fresh"])
        for arm in outs
    }
    print(
        f"\nnew root causes per hour: fresh {rates['fresh']:.2f}, baseline "
        f"{rates['baseline']:.2f} (target: fresh >= 3 in an hour, and above the baseline)"
    )


if __name__ == "__main__":
    main()
