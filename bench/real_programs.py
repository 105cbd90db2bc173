"""How fuel judges the programs people actually write: ``fuel check`` on bench/real_programs.

Each program's expected verdict is in bench/real_programs/manifest.yaml, established
with plain torch 2.13.0 by bench/real_programs_establish.py; a bug program whose
``shows_on`` does not name the installed torch's release line (a bug that torch fixed)
is expected to show no bug. This runs fuel's own check (the
loader with its static check, the warm sandboxed pool, the judge) on every program,
the way ``fuel check`` does, and prints what it measured:

* accepted: judged at all (not rejected by the loader, the static check or the sandbox);
* agreement: fuel's verdict equals the manifest's (outcome, and the kind for bugs), or
  is one of the other verdicts its ``accept`` list names with a reason;
  "bug / not a bug" counts only whether both call it a bug;
* false alarms: fuel says bug where the manifest says not;
* missed bugs: the manifest says bug where fuel does not;
* seconds per program: wall time of the whole run over the number of programs, and
  the mean time the worker spent on one.

    PYTHONPATH=$PWD python bench/real_programs.py [-j 1] [--timeout 120] [NAME...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bench.real_programs_establish import shown_here
from fuel.check import Checker
from fuel.execute.pool import PoolSettings, WorkerPool
from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Outcome, Verdict
from fuel.store.known import installed_torch

HERE = Path(__file__).parent / "real_programs"
TORCH = installed_torch()


def agrees(expected: dict[str, Any], verdict: Verdict) -> bool:
    if expected["verdict"] == "bug" and not shown_here(expected, TORCH):
        return not verdict.is_bug  # a bug this torch fixed: any verdict but bug is right
    if verdict.outcome.value != expected["verdict"]:
        return verdict.outcome.value in expected.get("accept", ())
    if verdict.outcome is Outcome.BUG and expected.get("kind"):
        return verdict.kind is not None and verdict.kind.value == expected["kind"]
    return True


def expects_bug(expected: dict[str, Any]) -> bool:
    return expected["verdict"] == "bug" and shown_here(expected, TORCH)


def line(name: str, expected: dict[str, Any], verdict: Verdict) -> str:
    want = expected["verdict"] + (f"/{expected['kind']}" if expected.get("kind") else "")
    if expected["verdict"] == "bug" and not expects_bug(expected):
        want = "no bug (fixed here)"
    got = verdict.outcome.value + (f"/{verdict.kind.value}" if verdict.kind else "")
    mark = "ok " if agrees(expected, verdict) else "XX "
    detail = " ".join(verdict.detail.split())[:110]
    return f"{mark}{name:38} want {want:26} got {got:26} {verdict.seconds:6.1f}s  {detail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="programs to check (default: all)")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per program")
    args = parser.parse_args()
    manifest = yaml.safe_load((HERE / "manifest.yaml").read_text())
    names = args.names or sorted(manifest)
    paths = [HERE / f"{name}.py" for name in names]
    options = CompileOptions()
    start = time.monotonic()
    settings = PoolSettings(workers=args.jobs, timeout_s=args.timeout)
    verdicts: dict[str, Verdict] = {}
    with WorkerPool(settings) as pool:
        pool.wait_ready()
        ready = time.monotonic()
        checker = Checker(pool, options)
        pending = [(path.stem, checker.submit_file(path)) for path in paths]
        for name, future in pending:
            checked = future.result()
            verdicts[name] = checked.verdict
            print(line(name, manifest[name], checked.verdict), flush=True)
            for note in checked.verdict.notes:
                print(f"{'':41}note: {note}")
    wall = time.monotonic() - start
    report(manifest, verdicts, wall, time.monotonic() - ready)
    return 0


def report(manifest: dict[str, Any], verdicts: dict[str, Verdict], wall: float, run: float) -> None:
    total = len(verdicts)
    accepted = sum(v.outcome is not Outcome.REJECTED for v in verdicts.values())
    agreeing = sum(agrees(manifest[n], v) for n, v in verdicts.items())
    false_alarms = [n for n, v in verdicts.items() if v.is_bug and not expects_bug(manifest[n])]
    missed = [n for n, v in verdicts.items() if expects_bug(manifest[n]) and not v.is_bug]
    mean = sum(v.seconds for v in verdicts.values()) / max(total, 1)
    print()
    print(f"programs            {total}")
    print(f"accepted            {accepted}/{total} ({100 * accepted / max(total, 1):.0f} %)")
    print(f"agreement           {agreeing}/{total} ({100 * agreeing / max(total, 1):.0f} %)")
    print(f"bug / not a bug     {total - len(false_alarms) - len(missed)}/{total} agree")
    print(f"false alarms        {len(false_alarms)}  {' '.join(false_alarms)}")
    print(f"missed bugs         {len(missed)}  {' '.join(missed)}")
    print(f"seconds per program {run / max(total, 1):.1f} (after the pool started; "
          f"{wall:.0f} s in all), {mean:.1f} s in a worker on average")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
