"""Which program shapes the built-in generator makes, and whether its motif programs run.

Generates ``-n`` programs (seeds ``--seed``, ``--seed``+1, ...; the same programs as
``fuel generate -n N --seed S``) and prints, per census shape (``fuel.generate.census``),
how many programs have it. With ``--eager`` each program is also loaded (static check
included) and run once in eager, and the table gives, per motif the programs were
planned with (``fuel.generate.motifs``; "-" for none), how many were placed (the
program has a shape the motif makes) and how many ran.

``--recipes FILE`` reads stored recipes instead (JSON lines with a ``recipe`` key, as
an older checkout's generator wrote them), to count the shapes an older generator made
with today's census. ``--no-motifs`` generates with the walk alone; ``--only MOTIF``
gives every program that motif (for ``fuel check`` on them: ``--out DIR`` writes the
programs).

    python bench/motifs.py -n 500 --seed 1 [--eager] [--no-motifs] [--recipes FILE]
    python bench/motifs.py -n 40 --only int_minmax_chain --out DIR
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from fuel.errors import Rejected  # noqa: E402
from fuel.generate import census, motifs  # noqa: E402
from fuel.generate.base import GenerationRequest  # noqa: E402
from fuel.generate.builtin import BuiltinGenerator  # noqa: E402
from fuel.generate.recipe import Recipe, loads  # noqa: E402
from fuel.generate.synth import synthesize  # noqa: E402
from fuel.program import Program, load_program  # noqa: E402


def runs_eagerly(program: Program) -> str:
    """Why the program does not load or run once in eager (one line); "" if it does."""
    try:
        load_program(program)
        namespace: dict[str, Any] = {}
        exec(compile(program.source, program.name, "exec"), namespace)
        torch.manual_seed(0)
        model = namespace["Model"]().eval()
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model(*namespace["make_inputs"]())
    except Exception as exc:  # the program's own failure is what is counted here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"
    return ""


def program_for(
    generator: BuiltinGenerator, seed: int, only: motifs.Motif | None
) -> tuple[Program, motifs.Motif | None]:
    """The generator's program for ``seed``, or with the motif ``only`` placed in it."""
    if only is None:
        planned, _ = motifs.plan(seed) if generator.use_motifs else (None, 0.0)
        return generator.generate(GenerationRequest((), seed)), planned
    menu = generator.menu
    recipe = synthesize(seed, (), generator.usable, generator.hot,
                        lambda synth: only.place(synth, menu), 0.5)  # fmt: skip
    return generator.program(recipe, "builtin", f"{only.name}_{seed}"), only


def shape_table(recipes: list[Recipe], facts: census.Facts) -> None:
    totals = census.count(recipes, facts)
    print(f"{'shape':24s} {'programs':>8s} {'share':>7s}")
    for name, count in totals.items():
        print(f"{name:24s} {count:8d} {count / max(1, len(recipes)):7.1%}")


def motif_table(rows: list[tuple[str, bool, str]]) -> None:
    print(f"\n{'motif':24s} {'programs':>8s} {'placed':>7s} {'eager ok':>9s}")
    names = sorted({m for m, _, _ in rows}, key=lambda n: (n == "-", n))
    for name in names:
        mine = [r for r in rows if r[0] == name]
        placed = sum(1 for r in mine if r[1])
        valid = sum(1 for r in mine if not r[2])
        print(f"{name:24s} {len(mine):8d} {placed:7d} {valid:9d}")
    motif_rows = [r for r in rows if r[0] != "-"]
    if motif_rows:
        valid = sum(1 for r in motif_rows if not r[2])
        print(f"motif programs valid in eager: {valid}/{len(motif_rows)}")
    failures = Counter(r[2] for r in rows if r[2])
    for reason, count in failures.most_common(8):
        print(f"  {count:3d} x {reason}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--eager", action="store_true", help="load and run each program")
    parser.add_argument("--no-motifs", action="store_true", help="the walk alone")
    parser.add_argument("--recipes", type=Path, help="JSON lines of stored recipes")
    parser.add_argument("--only", choices=sorted(motifs.BY_NAME), help="every program's motif")
    parser.add_argument("--out", type=Path, help="write the programs here")
    args = parser.parse_args()
    only = motifs.BY_NAME[args.only] if args.only else None
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    generator = BuiltinGenerator(use_motifs=not args.no_motifs)
    start = time.perf_counter()
    recipes: list[Recipe] = []
    rows: list[tuple[str, bool, str]] = []
    if args.recipes:
        lines = args.recipes.read_text(encoding="utf-8").splitlines()
        recipes = [loads(json.loads(line)["recipe"]) for line in lines if '"recipe"' in line]
    else:
        for seed in range(args.seed, args.seed + args.n):
            try:
                program, motif = program_for(generator, seed, only)
            except (Rejected, RuntimeError):
                continue
            recipe = loads(program.recipe)
            recipes.append(recipe)
            if args.out:
                (args.out / f"{program.name}.py").write_text(program.source, encoding="utf-8")
            placed = motif is not None and bool(set(motif.makes) & set(recipe.motifs))
            why = runs_eagerly(program) if args.eager else ""
            rows.append((motif.name if motif else "-", placed, why))
    print(f"{len(recipes)} programs in {time.perf_counter() - start:.1f} s")
    shape_table(recipes, generator.facts)
    if args.eager:
        motif_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
