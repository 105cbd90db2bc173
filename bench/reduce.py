"""Reduction benchmark: what each bug becomes, and how long it takes.

Each program (a FILE or a bug directory) is processed on one warm worker as ``fuel
reduce`` does: reduction within the time limit, the ablation (backend ladder and
settings), the minimal repro confirmed in a fresh interpreter (unless
``--no-confirm``), the report. Per bug it prints statements in forward before and
after, seconds, the repro's length in lines (all, and not blank), whether it was
confirmed, whether the repro's own verdict (its exit code in the fresh interpreter)
agrees with fuel's judge on the reduced program, the root-cause class, the component
fuel traced it to (torch's CompilerBisector and the pointer, or "undecided"), whether
that agrees with the hand reading of torch's source in ``bench/bugs/manifest.yaml``,
and the seconds torch's bisector took. Then the median and largest repro, how many
bugs agree, how the bugs fold into classes, and the reports before and after folding
classes by component. Targets: at most 10 statements in forward within 2 minutes;
repros of median <= 20 lines and none over 40.

    python bench/reduce.py [PATH ...] [--time-limit 120] [--no-confirm] [--backend inductor]

Without PATHs it reduces ``bench/bugs/*.py``: real torch bugs, three hidden by hand in
longer programs, five small ones whose code a hand reading of torch 2.15's source
located, and three programs exactly as fuel's campaign generated them (one a real bug;
the other two false alarms of an older judge, which the current one dismisses: they
are counted apart as "no longer show a bug"). A bug's manifest entry may name the
backend it is judged with (``--backend`` is the default), and says which torch release
lines it shows its bug on (``shows_on``, measured by bench/versions.py): every real bug
shows on both 2.13 and 2.15 but floor_divide_inf, fixed in 2.15, where it counts as "no
longer shows a bug" too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuel.check import Checker  # noqa: E402
from fuel.execute.pool import PoolSettings, WorkerPool  # noqa: E402
from fuel.execute.records import CompileOptions  # noqa: E402
from fuel.triage.pipeline import Processed, ReduceSettings, process_bug, read_bug  # noqa: E402

MANIFEST = ROOT / "bench" / "bugs" / "manifest.yaml"

TARGET_STATEMENTS = 10
TARGET_SECONDS = 120.0
TARGET_MEDIAN_LINES = 20
TARGET_MAX_LINES = 40


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    kind: str
    before: int
    after: int
    seconds: float
    total: float
    runs: int
    stop: str
    reached: float | None
    lines: int | None
    code_lines: int | None
    repro: str  # yes | NO | -
    agrees: str  # yes | NO | -
    root_cause: str
    component: str  # what fuel traced the bug to, "undecided", or "-" (not a bug)
    hand: str  # yes | NO | - : does it agree with the manifest's hand reading
    bisect_seconds: float | None  # torch's CompilerBisector on the repro
    bisector: str  # its answer in a few words
    folded: str  # the cause it folds into: the component, else its class


def row_of(name: str, done: Processed, total: float, hand: str | None) -> Row:
    r, report = done.reduction, done.report
    kind = r.target.kind.value if r.target and r.target.kind else "-"
    repro_file = done.directory / "repro.py"
    text = repro_file.read_text() if repro_file.exists() else None
    confirmation = report.repro
    repro = "-" if confirmation is None else ("yes" if confirmation.reproduced else "NO")
    # The repro is the judge's twin only if it shows the bug exactly when fuel's judge
    # calls the reduced program a bug: its confirmation is that comparison.
    agrees = repro if report.verdict is not None and report.verdict.is_bug else "-"
    return Row(
        name, kind, r.before.forward_statements, r.after.forward_statements, r.seconds, total,
        r.calls, r.reason.name.lower(), r.seconds_to(TARGET_STATEMENTS),
        len(text.splitlines()) if text else None,
        sum(1 for line in text.splitlines() if line.strip()) if text else None,
        repro, agrees, report.root_cause.id if report.root_cause else "-",
        *traced(done, hand),
    )  # fmt: skip


def traced(done: Processed, hand: str | None) -> tuple[str, str, float | None, str, str]:
    """The component, its agreement with the hand reading, the bisector's seconds and
    answer, and the cause it folds into."""
    report = done.report
    if report.root_cause is None:
        return "-", "-", None, "-", "-"
    component = report.where.component if report.where else "undecided"
    agrees = "-" if hand is None else ("yes" if component == hand else "NO")
    found = report.bisector
    answer = "-" if found is None else (
        f"{found.status}: {found.answer.backend}/{found.answer.subsystem or '-'}"
        if found.answer else found.status)  # fmt: skip
    seconds = found.seconds if found else None
    folded = f"{report.root_cause.kind.value}|{report.where.component}" if report.where else (
        report.root_cause.id)  # fmt: skip
    return component, agrees, seconds, answer, folded


def manifest() -> dict[str, dict[str, str]]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8")) or {}


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
    entries = manifest()
    with WorkerPool(PoolSettings(workers=1, timeout_s=args.timeout)) as pool, \
            tempfile.TemporaryDirectory(prefix="fuel-bench-reduce-") as scratch:  # fmt: skip
        pool.wait_ready()
        scratch = str(args.out or scratch)
        for path in paths:
            entry = entries.get(path.stem, {})
            bug, _ = read_bug(path, replace(options, backend=entry.get("backend", args.backend)))
            start = time.monotonic()
            checker = Checker(pool, bug.options)
            done = process_bug(bug, checker, Path(scratch) / path.stem, settings)
            hand = entry.get("hand_reading")
            row = row_of(path.stem, done, time.monotonic() - start,
                         None if hand is None else str(hand).strip())  # fmt: skip
            rows.append(row)
            print(f"{row.name}: {row.before} -> {row.after} statements, {row.seconds:.0f} s "
                  f"reducing, {row.total:.0f} s in all, {row.stop}; repro {row.lines} lines, "
                  f"confirmed {row.repro}; bisector {row.bisector}; component "
                  f"{row.component} (hand reading: {row.hand})", flush=True)  # fmt: skip
    print_table(rows)
    print_summary(rows)
    return 0


def print_table(rows: list[Row]) -> None:
    header = ("bug", "kind", "before", "after", "reduce s", "total s", "runs", "stop",
              f"s to <= {TARGET_STATEMENTS}", "repro lines (code)", "confirmed",
              "agrees with judge", "root cause", "bisector", "bisect s", "component",
              "agrees with hand reading")  # fmt: skip
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        when = "never" if r.reached is None else f"{r.reached:.0f}"
        lines = "-" if r.lines is None else f"{r.lines} ({r.code_lines})"
        print(f"| {r.name} | {r.kind} | {r.before} | {r.after} | {r.seconds:.0f} | "
              f"{r.total:.0f} | {r.runs} | {r.stop} | {when} | {lines} | {r.repro} | "
              f"{r.agrees} | {r.root_cause} | {r.bisector} | {seconds(r.bisect_seconds)} | "
              f"{r.component} | {r.hand} |")  # fmt: skip


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def print_summary(rows: list[Row]) -> None:
    shown = [r for r in rows if r.stop != "not_reproduced"]
    met = sum(1 for r in shown if r.reached is not None and r.reached <= TARGET_SECONDS)
    print(f"\n{met} of {len(shown)} bugs reached <= {TARGET_STATEMENTS} statements in forward "
          f"within {TARGET_SECONDS:.0f} s of reduction")  # fmt: skip
    if len(shown) < len(rows):
        print(f"{len(rows) - len(shown)} program(s) no longer show a bug (not counted)")
    lengths = [r.lines for r in shown if r.lines is not None]
    code = [r.code_lines for r in shown if r.code_lines is not None]
    if lengths:
        print(f"repro length: median {statistics.median(lengths):g} lines (target <= "
              f"{TARGET_MEDIAN_LINES}), max {max(lengths)} (target <= {TARGET_MAX_LINES}); "
              f"without blank lines: median {statistics.median(code):g}, max {max(code)}")
    confirmed = [r for r in shown if r.repro != "-"]
    print(f"repros confirmed in a fresh interpreter: "
          f"{sum(r.repro == 'yes' for r in confirmed)} of {len(confirmed)}")
    judged = [r for r in shown if r.agrees != "-"]
    print(f"repro agrees with fuel's judge: {sum(r.agrees == 'yes' for r in judged)} of "
          f"{len(judged)}")
    classes = {r.root_cause for r in shown if r.root_cause != "-"}
    print(f"root-cause classes: {len(classes)} for {len(shown)} bug(s)")
    causes = {r.folded for r in shown if r.folded != "-"}
    print(f"reports: {len(classes)} before folding classes by component, {len(causes)} after")
    read = [r for r in shown if r.hand != "-"]
    print(f"component agrees with the hand reading: {sum(r.hand == 'yes' for r in read)} of "
          f"{len(read)}; undecided {sum(r.component == 'undecided' for r in read)}")
    timed = [r.bisect_seconds for r in shown if r.bisect_seconds is not None]
    if timed:
        print(f"torch's CompilerBisector: median {statistics.median(timed):.0f} s, max "
              f"{max(timed):.0f} s, {sum(timed):.0f} s in all for {len(timed)} bug(s)")


if __name__ == "__main__":
    sys.exit(main())
