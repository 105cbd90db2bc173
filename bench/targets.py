"""The targets benchmark: targets chosen per test against torch.compile alone.

Runs two campaigns at once (``bench.campaign.run_at_once``), each ``fuel fuzz`` with its
defaults for the rest, the same seed, time and ``--jobs``:

* ``targets``: the default, where the settings annealer chooses per test what is compared
  with eager (``torch.compile``, ``torch.export``, AOTInductor) like any other setting;
* ``compile``: ``--target compile``, torch.compile alone, as fuel tested before.

When both end, the bugs their time left unreduced are reduced (``fuel reduce OUT``,
unless ``--no-finish``) so that classes, not signatures, are counted. Printed per arm:
the campaign figures (``bench.campaign.report``: tests/min, valid %, bugs, covered lines),
tests per target and what export's trace refused (``targets_used``), compiler lines
covered in all and in torch.export's code (``torch/export``, ``torch/_export``) and
AOTInductor's (its C++ wrapper's code generation, packaging and the .pt2 archive), the
lines the other arm never reached, and each unique root-cause class with the target it
came from (the target its class needs, else the one the first test ran on).

    python bench/targets.py [--minutes 20] [--jobs 1] [--seed 1] [--out results/bench]
                            [--no-finish]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.campaign import covered, default_campaign, query, run_at_once  # noqa: E402
from bench.fresh_yield import reduce_pending  # noqa: E402

ARMS = {"targets": (), "compile": ("--target", "compile")}
# Where a target's own compiler code lives, by the start of its path under torch's parent.
CODE = {
    "export": ("torch/export/", "torch/_export/"),
    "aoti": ("torch/_inductor/codegen/cpp_wrapper", "torch/_inductor/codegen/aoti",
             "torch/_inductor/package/", "torch/export/pt2_archive/"),
}


def status(out: Path) -> dict[str, object]:
    text = subprocess.run([sys.executable, "-m", "fuel.cli.main", "status", str(out), "--json"],
                          cwd=ROOT, check=True, capture_output=True, text=True).stdout  # fmt: skip
    data: dict[str, object] = json.loads(text)
    return data


def lines_in(lines: set[tuple[str, int]], prefixes: tuple[str, ...]) -> int:
    return sum(1 for path, _ in lines if path.startswith(prefixes))


def code_line(lines: set[tuple[str, int]]) -> str:
    """Covered lines in all and in each target's own code (export's lines less the
    .pt2 archive, which is AOTInductor's)."""
    aoti = lines_in(lines, CODE["aoti"])
    export = lines_in(lines, CODE["export"]) - lines_in(lines, ("torch/export/pt2_archive/",))
    return f"{len(lines)} (torch.export {export}, AOTInductor {aoti})"


def classes(out: Path, base: str) -> list[tuple[str, str, str]]:
    """(target, class text, state) of every root-cause class, new ones first: a reduced
    bug's class names its target among its settings; an unreduced one is its first
    test's (``base``: the campaign's own, where the test named none)."""
    from fuel import serial
    from fuel.execute.options import SettingFamily, parse_all
    from fuel.judge.signature import RootCause

    rows = query(
        out / "campaign.db",
        "SELECT b.signature, c.root_cause, t.settings, b.known_as, b.fixed_in "
        "FROM bug_classes b JOIN tests t ON t.id = b.first_test "
        "LEFT JOIN classes c ON c.class_id = b.class_id "
        "WHERE b.kind NOT IN ('eager_layout', 'eager_rounding') GROUP BY b.class_key",
    )
    found = []
    for signature, cause, settings, known, fixed in rows:
        chosen = parse_all(json.loads(settings))
        text = signature
        if cause is not None:
            root = serial.loads(RootCause, cause)
            chosen, text = root.settings, root.text
        named = (s.value for s in chosen if s.family is SettingFamily.TARGET)
        state = "known" if known else "fixed upstream" if fixed else "new"
        found.append((str(next(named, base)), text, state))
    return sorted(found, key=lambda row: (row[2] != "new", row[0], row[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--jobs", type=int, default=1, help="workers of each arm")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("results/bench"))
    parser.add_argument("--no-finish", action="store_true",
                        help="leave the bugs the time limit left unreduced")  # fmt: skip
    args = parser.parse_args()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    outs = {arm: (args.out / f"campaign-{stamp}-targets-{arm}").resolve() for arm in ARMS}
    arms = {arm: ([*default_campaign(ROOT, outs[arm], args), *extra], ROOT, outs[arm])
            for arm, extra in ARMS.items()}  # fmt: skip
    run_at_once(arms, args.jobs)
    if not args.no_finish:
        reduce_pending(list(outs.values()), args.jobs)
    lines = {arm: covered(out / "campaign.db") for arm, out in outs.items()}
    for arm, other in (("targets", "compile"), ("compile", "targets")):
        summary = status(outs[arm])
        print(f"\n{arm}: {outs[arm]}")
        print(f"  targets used           {summary['targets_used']}")
        print(f"  compiler lines         {code_line(lines[arm])}; "
              f"{len(lines[arm] - lines[other])} the {other} arm never reached")  # fmt: skip
        found = classes(outs[arm], "compile")
        new = [row for row in found if row[2] == "new"]
        print(f"  root-cause classes     {len(new)} new, {len(found) - len(new)} known or fixed")
        for target, text, state in found:
            print(f"    [{target}] {state}: {text}")


if __name__ == "__main__":
    main()
