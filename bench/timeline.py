"""Where a campaign's worker time went, read from its store alone (issue 14).

For each campaign directory given: tests/min over its latest run (up to the last
recorded test), the share of tests whose coverage was measured and the lines
covered, and the workers' time in that run split into fuzzing, reducing and idle:

* tests: the run's tests' ``run_seconds`` (what the worker reported per job);
* second looks: ``meta.worker_seconds.fuzzing`` less that (the reruns the judge asks
  for, a timeout's above all, which ``run_seconds`` leaves out);
* reducing: ``meta.worker_seconds.reducing`` (the repros' fresh interpreters, which
  run beside the workers, are printed apart and not taken from the workers' time);
* idle: ``workers x run time`` less all of those, where run time goes from the
  run's start (workers already warm) to its last recorded test.

``meta.worker_seconds`` counts all runs of the campaign: read a campaign of one run.

With one worker it also reads the gaps between tests: the next job's start is
``recorded_at - run_seconds`` of its test (less its judging time, which telescopes
away over the run), so the gaps add up to the time the worker was not running a
test: reduction runs, second looks, and waits on generation, judging or the store.
The longest gaps are listed with what they follow.

    python bench/timeline.py OUT [OUT ...]
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path


def read(out: Path) -> None:
    conn = sqlite3.connect(f"file:{out / 'campaign.db'}?mode=ro", uri=True)
    run_id, started = conn.execute("SELECT id, started_at FROM runs ORDER BY id DESC").fetchone()
    settings = json.loads(conn.execute("SELECT value FROM meta WHERE key='settings'").fetchone()[0])
    jobs = int(settings.get("jobs", 1))
    rows = conn.execute(
        "SELECT id, recorded_at, run_seconds, generate_seconds, coverage_measured, outcome "
        "FROM tests WHERE run_id = ? ORDER BY id",
        (run_id,),
    ).fetchall()
    stored = conn.execute("SELECT value FROM meta WHERE key='worker_seconds'").fetchone()
    worker_seconds = json.loads(stored[0]) if stored else {}
    reducing = worker_seconds.get("reducing", 0.0)
    confirming = worker_seconds.get("confirming", 0.0)
    covered = conn.execute("SELECT COUNT(*) FROM coverage").fetchone()[0]
    conn.close()
    if not rows:
        print(f"{out}: no tests in its latest run")
        return
    run_time = rows[-1][1] - started
    fuzzing = sum(row[2] for row in rows)
    second = max(0.0, worker_seconds.get("fuzzing", fuzzing) - fuzzing)
    capacity = jobs * run_time
    idle = capacity - fuzzing - second - reducing
    measured = sum(row[4] for row in rows)
    print(f"{out}  (policy {settings.get('coverage_policy', 'all')}, -j {jobs})")
    print(f"  tests             {len(rows)} in {run_time / 60:.1f} min: "
          f"{60 * len(rows) / run_time:.1f} tests/min")  # fmt: skip
    print(f"  coverage          {measured} measured ({100 * measured / len(rows):.0f} %), "
          f"{covered:,} lines covered")  # fmt: skip
    parts = (("tests", fuzzing), ("second looks", second), ("reducing", reducing),
             ("idle", idle))  # fmt: skip
    print("  worker time       " + ", ".join(f"{name} {value:.0f} s "
                                            f"({100 * value / capacity:.0f} %)"
                                            for name, value in parts))  # fmt: skip
    if confirming:
        print(f"  beside them       repros in fresh interpreters {confirming:.0f} s")
    print(f"  per test          run {fuzzing / len(rows):.2f} s, generate "
          f"{sum(row[3] for row in rows) / len(rows):.3f} s")  # fmt: skip
    if jobs == 1:
        gaps(rows, started, reducing + second)


def gaps(rows: list[tuple[int, float, float, float, int, str]], started: float,
         accounted: float) -> None:  # fmt: skip
    found = []
    previous_end = started
    for test_id, recorded_at, run_s, *_ in rows:
        found.append((recorded_at - run_s - previous_end, test_id))
        previous_end = recorded_at
    total = sum(gap for gap, _ in found)
    small = sum(gap for gap, _ in found if gap < 1.0)
    print(f"  gaps (-j 1)       {total:.0f} s between tests in all ({accounted:.0f} s of it "
          f"reducing or second looks); gaps under 1 s: {small:.1f} s over {len(found)} "
          "tests")  # fmt: skip
    longest = sorted(found, reverse=True)[:5]
    print("  longest gaps      " + ", ".join(f"{gap:.1f} s before #{t}" for gap, t in longest))


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        read(Path(argument))
