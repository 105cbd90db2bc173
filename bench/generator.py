"""The built-in synthesizer's quality figures, measured (issue 2).

On ``--programs`` generated programs (default 1,000, seeds from ``--seed``):
  * median generation time per program (torch import and catalog load excluded),
  * the share that runs in eager without error, checked by the sandboxed workers with
    ``CompileOptions(eager_only=True)`` (eager twice: pass, invalid or skipped),
  * distinct operators (catalog names, and distinct torch callables),
  * the share of programs whose operator sequence is unique.
Then ``--mutants`` mutants of the first programs, through their recipes and, with the
recipe removed, through the syntax-level fallback: the share valid in eager.
Then ``--compiled`` programs really compiled with inductor: pass, invalid, bug, skipped.

    python bench/generator.py [--programs 1000] [--mutants 300] [--compiled 50] [-j 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuel.check import Checker  # noqa: E402
from fuel.errors import Rejected  # noqa: E402
from fuel.execute.pool import PoolSettings, WorkerPool  # noqa: E402
from fuel.execute.records import CompileOptions  # noqa: E402
from fuel.generate.base import GenerationRequest  # noqa: E402
from fuel.generate.builtin import BuiltinGenerator  # noqa: E402
from fuel.generate.recipe import loads  # noqa: E402
from fuel.judge.verdict import Verdict  # noqa: E402
from fuel.program import Program  # noqa: E402


def verdicts(
    pool: WorkerPool, programs: Sequence[Program], options: CompileOptions
) -> list[Verdict]:
    checker = Checker(pool, options)
    futures = [checker.submit(p) for p in programs]
    return [f.result().verdict for f in futures]


def shares(found: Sequence[Verdict]) -> str:
    counts = Counter(v.outcome.value for v in found)
    return ", ".join(f"{name} {n} ({n / len(found):.1%})" for name, n in counts.most_common())


def show_failures(programs: Sequence[Program], found: Sequence[Verdict], limit: int = 8) -> None:
    shown = 0
    for program, verdict in zip(programs, found, strict=True):
        if verdict.outcome.value != "pass" and shown < limit:
            print(f"    {program.name}: {verdict.outcome.value} {verdict.detail[:150]}")
            shown += 1


def generate(generator: BuiltinGenerator, seeds: range) -> tuple[list[Program], list[float]]:
    generator.generate(GenerationRequest((), seeds.start - 1))  # warm-up: lazy imports
    programs, seconds = [], []
    for seed in seeds:
        start = time.perf_counter()
        programs.append(generator.generate(GenerationRequest((), seed)))
        seconds.append(time.perf_counter() - start)
    return programs, seconds


def mutants(
    generator: BuiltinGenerator, programs: Sequence[Program], strip: bool
) -> tuple[list[Program], int]:
    made, refused = [], 0
    for program in programs:
        source = replace(program, recipe="") if strip else program
        try:
            made.append(generator.mutate(source, (program.seed or 0) + 1))
        except Rejected:
            refused += 1
    return made, refused


def report_generation(programs: Sequence[Program], seconds: Sequence[float]) -> None:
    ops = Counter(op for p in programs for op in p.ops)
    targets = {
        node.target if node.form != "method" else f"Tensor.{node.target}"
        for p in programs
        for node in loads(p.recipe).nodes
    }
    sequences = Counter(tuple(node.op for node in loads(p.recipe).nodes) for p in programs)
    unique = sum(1 for p in programs if sequences[tuple(n.op for n in loads(p.recipe).nodes)] == 1)
    sizes = [len(loads(p.recipe).nodes) for p in programs]
    print(
        f"generation: median {statistics.median(seconds) * 1e3:.1f} ms/program, "
        f"mean {statistics.mean(seconds) * 1e3:.1f} ms, max {max(seconds) * 1e3:.0f} ms"
    )
    print(
        f"operators: {len(ops)} distinct catalog operators, {len(targets)} distinct callables "
        f"(incl. methods) in {len(programs)} programs; calls per program median "
        f"{statistics.median(sizes)}, range {min(sizes)}-{max(sizes)}"
    )
    print(f"distinct operator sequences: {unique}/{len(programs)} ({unique / len(programs):.1%})")
    dtypes = Counter(i.dtype for p in programs for i in loads(p.recipe).inputs if i.is_tensor)
    profiles = Counter(i.profile for p in programs for i in loads(p.recipe).inputs)
    print(f"input dtypes: {dict(dtypes.most_common())}")
    print(f"input profiles: {dict(profiles.most_common())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--mutants", type=int, default=300)
    parser.add_argument("--compiled", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-j", "--jobs", type=int, default=1)
    args = parser.parse_args()

    generator = BuiltinGenerator()
    start = time.perf_counter()
    print(
        f"catalog: {len(generator.usable)} usable operators "
        f"(loaded in {time.perf_counter() - start:.1f} s)"
    )
    programs, seconds = generate(generator, range(args.seed, args.seed + args.programs))
    report_generation(programs, seconds)

    eager = CompileOptions(eager_only=True)
    settings = PoolSettings(workers=args.jobs, timeout_s=120)
    with WorkerPool(settings) as pool:
        found = verdicts(pool, programs, eager)
        print(f"eager validity of {len(programs)} programs: {shares(found)}")
        show_failures(programs, found)
        for strip in (False, True):
            made, refused = mutants(generator, programs[: args.mutants], strip)
            found = verdicts(pool, made, eager)
            how = "syntax-level (recipe removed)" if strip else "recipe"
            print(f"mutants, {how}: {len(made)} made, {refused} refused; eager: {shares(found)}")
            show_failures(made, found)
        if args.compiled:
            sample = programs[: args.compiled]
            found = verdicts(pool, sample, CompileOptions())
            print(f"compiled with inductor, {len(sample)} programs: {shares(found)}")
            show_failures(sample, found, limit=args.compiled)


if __name__ == "__main__":
    main()
