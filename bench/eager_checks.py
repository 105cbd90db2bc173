"""What the references for eager's own bugs cost a campaign (issue 24, item 5).

Reads a campaign's database and prints, from each test's stored phase timings: how many
tests had eager and compiled differ (the float64 reference ran), how many of those ran
each eager-bug reference (``contiguous``: something the program was given was not
contiguous; ``rounded``/``rounded_up``: an integer upsampling ran), their seconds per
test over all tests and their share of the time in the workers, and the eager bugs the
judge found.

    python bench/eager_checks.py OUT        # e.g. after fuel fuzz --time 5m --out OUT
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

CHECKS = ("contiguous", "rounded", "rounded_up")
EAGER_KINDS = ("eager_layout", "eager_rounding")


def main(out: Path) -> None:
    conn = sqlite3.connect(f"file:{out / 'campaign.db'}?mode=ro", uri=True)
    rows = conn.execute("SELECT verdict, run_seconds, kind FROM tests").fetchall()
    tests = len(rows)
    phases = [json.loads(verdict).get("phase_seconds", {}) for verdict, _, _ in rows]
    in_worker = sum(seconds or 0.0 for _, seconds, _ in rows)
    print(f"{out}: {tests} tests, {in_worker:.0f} s in workers")
    print(f"  eager and compiled differed (reference ran): "
          f"{sum('reference' in p for p in phases)} tests")  # fmt: skip
    total = 0.0
    for check in CHECKS:
        seconds = [p[check] for p in phases if check in p]
        total += sum(seconds)
        mean = sum(seconds) / len(seconds) if seconds else 0.0
        print(f"  {check:11} ran in {len(seconds):4} tests, {mean:.4f} s each, "
              f"{sum(seconds) / max(1, tests):.5f} s per test overall")  # fmt: skip
    share = 100 * total / in_worker if in_worker else 0.0
    print(f"  all three: {total:.2f} s, {total / max(1, tests):.5f} s per test, "
          f"{share:.3f} % of the time in workers")  # fmt: skip
    found = {kind: sum(row[2] == kind for row in rows) for kind in EAGER_KINDS}
    print("  eager bugs judged: " + ", ".join(f"{k} {n}" for k, n in found.items()))


if __name__ == "__main__":
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "campaign.db").is_file():
        print("usage: python bench/eager_checks.py OUT (a campaign directory)", file=sys.stderr)
        raise SystemExit(2)
    main(Path(sys.argv[1]))
