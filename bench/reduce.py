"""Reduction benchmark: statements in forward before and after, and seconds, per bug.

Each program (a FILE or a bug directory) is reduced on one warm worker, as ``fuel
reduce`` does: reduction within the time limit, bisection, and (unless
``--no-confirm``) the repro confirmed in a fresh interpreter. The issue's target is
at most 10 statements in forward within 2 minutes of reduction.

    python bench/reduce.py [PATH ...] [--time-limit 120] [--no-confirm] [--backend inductor]

Without PATHs it reduces ``bench/bugs/*.py``: real torch 2.13 bugs, four hidden by
hand in longer programs and three exactly as fuel's campaign generated them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuel.check import Checker  # noqa: E402
from fuel.execute.pool import PoolSettings, WorkerPool  # noqa: E402
from fuel.execute.records import CompileOptions  # noqa: E402
from fuel.triage.pipeline import ReduceSettings, process_bug, read_bug  # noqa: E402

TARGET_STATEMENTS = 10
TARGET_SECONDS = 120.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--time-limit", type=float, default=TARGET_SECONDS)
    parser.add_argument("--no-confirm", action="store_true")
    parser.add_argument("--backend", default="inductor")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--out", type=Path, default=None, help="keep each bug's files here")
    args = parser.parse_args()
    paths = args.paths or sorted((ROOT / "bench" / "bugs").glob("*.py"))
    settings = ReduceSettings(time_limit_s=args.time_limit, confirm=not args.no_confirm)
    options = CompileOptions(backend=args.backend)
    rows = []
    with WorkerPool(PoolSettings(workers=1, timeout_s=args.timeout)) as pool, \
            tempfile.TemporaryDirectory(prefix="fuel-bench-reduce-") as scratch:  # fmt: skip
        pool.wait_ready()
        scratch = str(args.out or scratch)
        for path in paths:
            bug, _ = read_bug(path, options)
            start = time.monotonic()
            checker = Checker(pool, bug.options)
            done = process_bug(bug, checker, Path(scratch) / path.stem, settings)
            total = time.monotonic() - start
            r = done.reduction
            kind = r.target.kind.value if r.target and r.target.kind else "-"
            repro = "-" if done.report.repro is None else (
                "yes" if done.repro_confirmed else "NO")  # fmt: skip
            reached = r.seconds_to(TARGET_STATEMENTS)
            rows.append((path.stem, kind, r.before.forward_statements,
                         r.after.forward_statements, r.seconds, total, r.calls,
                         r.reason.name.lower(), repro, reached))  # fmt: skip
            print(f"{path.stem}: {r.before.forward_statements} -> "
                  f"{r.after.forward_statements} statements, {r.seconds:.0f} s reducing, "
                  f"{total:.0f} s in all, {r.reason.value}", flush=True)  # fmt: skip
    print()
    header = ("bug", "kind", "before", "after", "reduce s", "total s", "runs", "stop", "repro",
              f"s to <= {TARGET_STATEMENTS}")  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, kind, before, after, seconds, total, runs, stop, repro, reached in rows:
        when = "never" if reached is None else f"{reached:.0f}"
        print(f"| {name} | {kind} | {before} | {after} | {seconds:.0f} | {total:.0f} | {runs} "
              f"| {stop} | {repro} | {when} |")  # fmt: skip
    shown = [row for row in rows if row[7] != "not_reproduced"]
    met = sum(1 for row in shown if row[9] is not None and row[9] <= TARGET_SECONDS)
    print(f"\n{met} of {len(shown)} bugs reached <= {TARGET_STATEMENTS} statements in forward "
          f"within {TARGET_SECONDS:.0f} s of reduction")  # fmt: skip
    if len(shown) < len(rows):
        print(f"{len(rows) - len(shown)} program(s) no longer show a bug (not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
