"""The campaign benchmark: two timed ``fuel fuzz`` campaigns, coverage off and on.

Runs ``fuel fuzz --time T -j N`` twice with the same seed (``--no-coverage``, then
``--coverage``), reads both databases, and prints for each: tests/min (campaign time,
which starts once the workers are warm; the start-up is printed apart), valid %,
unique and total bugs, covered lines over time, and where a test's time goes. Then it
re-checks every recorded bug's program in a fresh pool and counts how many show the
same bug signature again. Bug processing (reduction) is off unless ``--reduce``: it
shares the workers, so it would mix reduction runs into the fuzzing rate. Targets
(issue 3): >= 60 tests/min with coverage off and >= 35 with it on, on a 2-core
machine with -j 2; coverage tracing under 2x.

    python bench/campaign.py [--minutes 10] [--jobs 2] [--generator builtin]
                             [--only off|on] [--out results/bench] [--seed 1] [--reduce]

``--ab settings`` runs instead two campaigns at once (each with ``--jobs``), coverage
and reduction on, the same seed and time, ``--settings default`` against ``--settings
explore`` (issue "Compile settings per test"), and prints for each arm tests/min,
valid %, compiler lines covered and the lines the other arm never reached, unique
root-cause classes, and the classes per setting family of the test that first showed
them.

``--ab policy`` runs, the same way, ``--coverage-policy all`` against ``sampled`` and
prints what sampling gains in tests/min and the lines each arm covered.

``--ab before [--before REV]`` runs the default campaign (``fuel fuzz`` with nothing but
the time, ``-j``, seed and output) of this checkout and of commit REV at once, REV from
a git worktree (default ``BEFORE_THROUGHPUT``: main when work on the issue "Throughput"
began), and prints each arm's figures and the ratio of their tests/min (issue target
>= 3x).

Coverage, when on, is measured on every test (``--coverage-policy all``) unless asked
otherwise, so that the covered lines compared are totals, not a sample's lower bound.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from statistics import mean
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MARKS_MIN = (1, 2, 5, 10, 20, 30, 60)  # covered lines are printed at these minutes


def campaign_command(
    out: Path, args: argparse.Namespace, coverage: bool, extra: tuple[str, ...] = ()
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "fuel.cli.main",
        "fuzz",
        "--generator",
        args.generator,
        "--heuristic",
        args.heuristic,
        "--time",
        f"{args.minutes}m",
        "-j",
        str(args.jobs),
        "--seed",
        str(args.seed),
        "--out",
        str(out),
        "--quiet",
        "--coverage" if coverage else "--no-coverage",
        *(["--coverage-policy", args.coverage_policy] if coverage else []),
        *([] if args.reduce else ["--no-reduce"]),
        *extra,
    ]


def run_campaign(out: Path, args: argparse.Namespace, coverage: bool) -> float:
    """Run one campaign; the wall seconds of the whole command (start-up included)."""
    command = campaign_command(out, args, coverage)
    print(f"$ {' '.join(command[1:])}", flush=True)
    start = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True)
    return time.monotonic() - start


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def report(out: Path, wall_s: float, jobs: int) -> dict[str, float]:
    db = out / "campaign.db"
    summary = json.loads(
        subprocess.run(
            [sys.executable, "-m", "fuel.cli.main", "status", str(out), "--json"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    tests = summary["tests"]
    # Campaign time up to the last recorded test: the summary's elapsed_s also counts
    # the wind-down (running tests awaited, bug processing finished).
    elapsed = query(db, "SELECT MAX(elapsed_s) FROM tests")[0][0] or 0.0
    rate = 60 * tests / elapsed if elapsed else 0.0
    print(f"  tests                  {tests} in {elapsed / 60:.1f} min campaign time")
    print(f"  tests/min              {rate:.1f}")
    print(f"  outside campaign time  {wall_s - elapsed:.0f} s (start-up, wind-down)")
    print(
        f"  valid                  {100 * summary['valid_share']:.1f} %  "
        f"(pass {summary['passed']}, invalid {summary['invalid']}, "
        f"skipped {summary['skipped']}, rejected {summary['rejected']})"
    )
    kinds = ", ".join(f"{k} {v['unique']}/{v['total']}" for k, v in summary["by_kind"].items())
    print(f"  bugs unique/total      {summary['bugs_unique']}/{summary['bugs_total']}  ({kinds})")
    print(f"  covered lines          {summary['covered_lines']}")
    if summary["covered_lines"]:
        marks = []
        for minute in MARKS_MIN:
            row = query(
                db, f"SELECT MAX(covered_lines) FROM tests WHERE elapsed_s <= {minute * 60}"
            )
            if minute * 60 <= elapsed + 30 and row[0][0] is not None:
                marks.append(f"{minute} min: {row[0][0]}")
        print(f"  covered over time      {'; '.join(marks)}")
    phases: dict[str, list[float]] = {}
    for (verdict,) in query(db, "SELECT verdict FROM tests"):
        for phase, seconds in json.loads(verdict).get("phase_seconds", {}).items():
            phases.setdefault(phase, []).append(seconds)
    run_s, gen_s = query(db, "SELECT SUM(run_seconds), AVG(generate_seconds) FROM tests")[0]
    busy = 100 * (run_s or 0) / (elapsed * jobs) if elapsed else 0.0
    print(
        "  per test (mean s)      "
        + ", ".join(f"{p} {mean(v):.3f}" for p, v in sorted(phases.items()))
        + f"; in worker {(run_s or 0) / max(1, tests):.3f}; generate {gen_s or 0:.3f}"
    )
    print(f"  workers busy           {busy:.0f} % of campaign time")
    return {"rate": rate, "run_s": (run_s or 0) / max(1, tests)}


def recheck(out: Path, jobs: int) -> None:
    """Re-run every reportable bug's first program; does the same signature come back?"""
    from fuel.check import Checker
    from fuel.execute.pool import PoolSettings, WorkerPool
    from fuel.judge.signature import identity_of
    from fuel.store.bugdir import BugFiles

    bugs = query(
        out / "campaign.db",
        "SELECT b.signature_id, s.value FROM bugs b, meta s "
        "WHERE s.key = 'settings' AND b.known IS NULL",
    )
    if not bugs:
        print("  recheck                no bugs to re-check")
        return
    from fuel.campaign.settings import CampaignSettings

    options = CampaignSettings.from_stored(json.loads(bugs[0][1]), out).options
    same = kind_only = 0
    with WorkerPool(PoolSettings(workers=jobs, timeout_s=120)) as pool:
        checker = Checker(pool, options)
        futures = []
        for signature_id, _ in bugs:
            files = BugFiles(out / "bugs" / signature_id)
            first = files.read_verdict()
            assert first is not None
            futures.append((signature_id, first, checker.submit_file(files.program)))
        for signature_id, first, future in futures:
            again = future.result().verdict
            if again.is_bug and identity_of(again).id == signature_id:
                same += 1
            elif again.is_bug and again.kind is first.kind:
                kind_only += 1
            else:
                print(
                    f"    not reproduced: {signature_id} ({first.kind}) -> "
                    f"{again.outcome.value}: {again.detail[:100]}"
                )
    print(
        f"  recheck                {same}/{len(bugs)} same signature, "
        f"{kind_only} same kind only, {len(bugs) - same - kind_only} not reproduced"
    )


def covered(db: Path) -> set[tuple[str, int]]:
    return {(f, line) for f, line in query(db, "SELECT file, line FROM coverage")}


def classes_by_family(db: Path) -> dict[str, int]:
    """Unique root-cause classes (known ones aside), by the setting families of the test
    that first showed each: "default" when it ran with the campaign's own options."""
    rows = query(
        db,
        "SELECT t.settings FROM tests t JOIN (SELECT MIN(first_test) AS first FROM bug_classes "
        "WHERE known_as IS NULL GROUP BY class_key) c ON t.id = c.first",
    )
    from fuel.execute.options import parse_all

    counts: dict[str, int] = {}
    for (settings,) in rows:
        families = {setting.name for setting in parse_all(json.loads(settings))} or {"default"}
        for family in families:
            counts[family] = counts.get(family, 0) + 1
    return counts


def run_at_once(
    arms: dict[str, tuple[list[str], Path, Path]], jobs: int
) -> dict[str, dict[str, float]]:
    """Each arm's campaign (label -> command, folder to run it in, its output) at the same
    time, so that a shared machine's load falls on all; print and return their figures."""
    print(f"before: {load()}", flush=True)
    start = time.monotonic()
    running = []
    for label, (command, cwd, _out) in arms.items():
        print(f"$ ({label}) fuel {' '.join(command[command.index('fuzz') :])}", flush=True)
        running.append(subprocess.Popen(command, cwd=cwd))
    if any(process.wait() for process in running):
        raise SystemExit("bench: a campaign failed")
    wall = time.monotonic() - start
    print(f"after: {load()}")
    figures = {}
    for label, (_command, _cwd, out) in arms.items():
        print(f"\n{label}")
        figures[label] = report(out, wall, jobs)
    return figures


def run_arms(
    args: argparse.Namespace, stamp: str, option: str, arms: tuple[str, str]
) -> tuple[dict[str, Path], dict[str, dict[str, float]]]:
    """Both arms (``--OPTION arm``) at once, coverage and reduction on; each arm's output
    folder and figures."""
    args.reduce = True
    outs = {arm: args.out / f"campaign-{stamp}-{option}-{arm}" for arm in arms}
    commands = {f"--{option} {arm}": (campaign_command(out, args, True, (f"--{option}", arm)),
                                      ROOT, out) for arm, out in outs.items()}  # fmt: skip
    figures = run_at_once(commands, args.jobs)
    return outs, {arm: figures[f"--{option} {arm}"] for arm in arms}


def ab_policy(args: argparse.Namespace, stamp: str) -> None:
    """``--coverage-policy all`` against ``sampled``: what sampling saves in tests/min,
    and what it costs in covered lines (measured tests only, so a lower bound)."""
    outs, figures = run_arms(args, stamp, "coverage-policy", ("all", "sampled"))
    lines = {arm: len(covered(out / "campaign.db")) for arm, out in outs.items()}
    rate = figures["sampled"]["rate"] / figures["all"]["rate"] if figures["all"]["rate"] else 0
    print(
        f"\nsampled / all: tests/min {rate:.2f}x; covered lines {lines['sampled']} against "
        f"{lines['all']} ({100 * (lines['sampled'] / max(1, lines['all']) - 1):+.1f} %)"
    )


def ab_settings(args: argparse.Namespace, stamp: str) -> None:
    outs, _ = run_arms(args, stamp, "settings", ("default", "explore"))
    lines = {arm: covered(out / "campaign.db") for arm, out in outs.items()}
    print()
    for arm, other in (("default", "explore"), ("explore", "default")):
        db = outs[arm] / "campaign.db"
        classes = query(db, "SELECT COUNT(DISTINCT class_key) FROM bug_classes "
                            "WHERE known_as IS NULL")[0][0]  # fmt: skip
        only = len(lines[arm] - lines[other])
        print(
            f"{arm:8} lines {len(lines[arm])} ({only} the {other} arm never reached); "
            f"root-cause classes {classes}; by setting family {classes_by_family(db)}"
        )
    if lines["default"]:
        gain = 100 * (len(lines["explore"]) / len(lines["default"]) - 1)
        print(f"explore covers {gain:+.1f} % compiler lines against default (target >= +15 %)")


# main's head when the first change for the issue "Throughput" was made (a branch's
# first commit, 2026-12-01 07:48): the campaign that issue measured at 20 tests/min.
BEFORE_THROUGHPUT = "15624ed"


def default_campaign(tree: Path, out: Path, args: argparse.Namespace) -> list[str]:
    """``fuel fuzz`` as a user runs it from ``tree``: its own defaults for the rest."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tree)!r}); "
            "from fuel.cli.main import main; sys.exit(main())", "fuzz",
            "--time", f"{args.minutes}m", "-j", str(args.jobs), "--seed", str(args.seed),
            "--out", str(out), "--quiet"]  # fmt: skip


def ab_before(args: argparse.Namespace, stamp: str) -> None:
    """This checkout's default campaign against REV's, both at once."""
    tree = (args.out / f"tree-{args.before}").resolve()
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.before],
                       cwd=ROOT, check=True)  # fmt: skip
    trees = {"now": ROOT, args.before: tree}
    outs = {arm: (args.out / f"campaign-{stamp}-{arm}").resolve() for arm in trees}
    arms = {arm: (default_campaign(root, outs[arm], args), root, outs[arm])
            for arm, root in trees.items()}  # fmt: skip
    rates = {arm: figures["rate"] for arm, figures in run_at_once(arms, args.jobs).items()}
    ratio = rates["now"] / rates[args.before] if rates[args.before] else float("nan")
    print(f"\ntests/min now / {args.before}: {ratio:.2f}x (target >= 3x)")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--generator", default="builtin")
    parser.add_argument("--heuristic", default="fasa")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("off", "on"), default=None)
    parser.add_argument(
        "--coverage-policy",
        choices=("all", "new", "sampled"),
        default="all",
        help="which tests trace coverage when it is on (all: the covered lines are totals)",
    )
    parser.add_argument(
        "--reduce", action="store_true", help="run the bug processors too (they share the workers)"
    )
    parser.add_argument("--out", type=Path, default=Path("results/bench"))
    parser.add_argument("--ab", choices=("settings", "before", "policy"), default=None,
                        help="A/B: --settings default against explore, --coverage-policy all "
                             "against sampled, or this checkout's default campaign against "
                             "--before's")  # fmt: skip
    parser.add_argument("--before", default=BEFORE_THROUGHPUT)
    args = parser.parse_args()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if args.ab == "settings":
        ab_settings(args, stamp)
        return
    if args.ab == "before":
        ab_before(args, stamp)
        return
    if args.ab == "policy":
        ab_policy(args, stamp)
        return
    rates: dict[bool, dict[str, float]] = {}
    for coverage in (False, True):
        if args.only and args.only != ("on" if coverage else "off"):
            continue
        out = args.out / f"campaign-{stamp}-coverage-{'on' if coverage else 'off'}"
        print(f"\ncoverage {'on' if coverage else 'off'}: {load()}", flush=True)
        wall = run_campaign(out, args, coverage)
        print(f"  after: {load()}")
        rates[coverage] = report(out, wall, args.jobs)
        recheck(out, args.jobs)
    if len(rates) == 2 and rates[True]["rate"]:
        slowdown = rates[False]["rate"] / rates[True]["rate"]
        print(
            f"\ncoverage cost: tests/min off/on = {slowdown:.2f}x;"
            f" time in worker per test on/off = "
            f"{rates[True]['run_s'] / max(1e-9, rates[False]['run_s']):.2f}x (target < 2x)"
        )


if __name__ == "__main__":
    main()
