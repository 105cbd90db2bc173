"""What coverage tracing costs per test: the same programs, measured and not (issue 14).

Generates ``--programs`` programs with the built-in generator (seeds from ``--seed``),
then runs each twice on one warm worker that can trace coverage: once with the job's
coverage asked for and once without, alternating which goes first so that neither side
always meets a warmer compiler. Before that, ``--warm`` programs are run measured and
dropped: a campaign's first tests report the tens of thousands of lines every compile
runs, which a running campaign has long since seen.

Prints, over the programs whose compiled phase ran on both sides: the compiled phase's
seconds per test (where coverage.py traces), the whole job's seconds per test (which
adds the worker's collection of the new lines), and the ratios measured / unmeasured.

    python bench/coverage_cost.py [--programs 30] [--warm 5] [--seed 1] [--threads 0]

``--simulate N`` instead measures what each ``--coverage-policy`` would measure over a
campaign of N tests, without compiling: the campaign's own generation thread (the
built-in generator, FASA, the corpus, the policy) makes N programs in order, each
taught a passing verdict and, when measured, a few new lines. It prints the share of
tests measured per block of tests and the time a test would take relative to ``all``,
given the compile-time ratio ``--ratio`` (the first part's figure).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuel.campaign.corpus import Admission, Corpus  # noqa: E402
from fuel.campaign.measure import POLICIES, CoveragePolicy  # noqa: E402
from fuel.campaign.producer import Lesson, Producer  # noqa: E402
from fuel.campaign.session import operators_of  # noqa: E402
from fuel.campaign.settings import MUTATE_SHARE  # noqa: E402
from fuel.errors import Rejected  # noqa: E402
from fuel.execute.pool import PoolSettings, WorkerPool  # noqa: E402
from fuel.execute.records import CompileOptions, Phase, RunResult  # noqa: E402
from fuel.feedback import heuristic as heuristics  # noqa: E402
from fuel.feedback.record import Feedback  # noqa: E402
from fuel.generate import registry  # noqa: E402
from fuel.generate.base import GenerationRequest  # noqa: E402
from fuel.generate.builtin import BuiltinGenerator  # noqa: E402
from fuel.judge.verdict import Outcome, Verdict  # noqa: E402
from fuel.program import ProgramSpec, load_program  # noqa: E402


def specs(count: int, seed: int) -> list[ProgramSpec]:
    generator = BuiltinGenerator()
    found: list[ProgramSpec] = []
    attempt = seed
    while len(found) < count:
        with contextlib.suppress(Rejected):
            found.append(load_program(generator.generate(GenerationRequest((), attempt))))
        attempt += 1
    return found


def compiled_seconds(result: RunResult) -> float | None:
    outcome = result.outcome(Phase.COMPILED)
    return outcome.seconds if outcome is not None else None


def run(pool: WorkerPool, spec: ProgramSpec, coverage: bool) -> RunResult:
    return pool.submit(spec, CompileOptions(), coverage=coverage).result()


def simulate(policy: str, tests: int, seed: int) -> list[bool]:
    """Whether each of ``tests`` programs of a campaign would be measured."""
    generator = registry.create("builtin", registry.GeneratorSettings(seed))
    heuristic = heuristics.create("fasa", heuristics.HeuristicSettings(operators_of(generator),
                                                                         seed))  # fmt: skip
    producer = Producer(generator, heuristic, Corpus(), seed=str(seed), mutate_share=MUTATE_SHARE,
                        ahead=1, coverage=CoveragePolicy(policy))  # fmt: skip
    admission, rng, measured = Admission(), random.Random(seed), []
    while len(measured) < tests:
        candidate = producer.produce()
        if candidate is None:
            continue
        lines = int(rng.expovariate(1 / 20)) if candidate.coverage else 0
        feedback = Feedback(candidate.program, Verdict(Outcome.PASS), lines, (), False,
                            candidate.settings, candidate.coverage)  # fmt: skip
        producer.teach(Lesson(feedback, len(measured) + 1, admission.admits(feedback), 0))
        measured.append(candidate.coverage)
    return measured


def show_simulation(tests: int, seed: int, ratio: float) -> None:
    block = max(1, tests // 5)
    print(f"measured share per block of {block} tests; time per test relative to 'all' "
          f"at a coverage cost of {ratio:.2f}x")  # fmt: skip
    for policy in POLICIES:
        chosen = simulate(policy, tests, seed)
        shares = [sum(chosen[i : i + block]) / len(chosen[i : i + block])
                  for i in range(0, tests, block)]  # fmt: skip
        late = shares[-1]
        relative = (1 + (ratio - 1) * late) / ratio
        print(f"  {policy:8} " + " ".join(f"{100 * share:4.0f}%" for share in shares)
              + f"   last block: {relative:.2f}x the time of 'all'")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=30)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="per worker; 0: all cores")
    parser.add_argument("--simulate", type=int, default=0, metavar="N")
    parser.add_argument("--ratio", type=float, default=1.35)
    args = parser.parse_args()
    if args.simulate:
        show_simulation(args.simulate, args.seed, args.ratio)
        return
    programs = specs(args.warm + args.programs, args.seed)
    settings = PoolSettings(workers=1, coverage=True, threads_per_worker=args.threads)
    pairs: list[tuple[RunResult, RunResult]] = []  # (measured, unmeasured)
    with WorkerPool(settings) as pool:
        pool.wait_ready()
        for spec in programs[: args.warm]:
            run(pool, spec, coverage=True)
        for index, spec in enumerate(programs[args.warm :]):
            if index % 2 == 0:
                measured, plain = run(pool, spec, True), run(pool, spec, False)
            else:
                plain, measured = run(pool, spec, False), run(pool, spec, True)
            pairs.append((measured, plain))
    both = [(m, p) for m, p in pairs
            if compiled_seconds(m) is not None and compiled_seconds(p) is not None]  # fmt: skip
    if not both:
        sys.exit("no program reached its compiled phase on both sides")
    on = [compiled_seconds(m) or 0.0 for m, _ in both]
    off = [compiled_seconds(p) or 0.0 for _, p in both]
    job_on, job_off = [m.seconds for m, _ in both], [p.seconds for _, p in both]
    lines = [m.coverage.line_count for m, _ in both if m.coverage is not None]
    print(f"programs compiled on both sides   {len(both)} of {len(pairs)} "
          f"(after {args.warm} warm-up programs)")  # fmt: skip
    print(f"new lines per measured test        median {statistics.median(lines):.0f}")
    for label, with_cov, without in (("compiled phase", on, off), ("whole job", job_on, job_off)):
        ratio = sum(with_cov) / sum(without)
        print(f"{label:18} s/test   coverage {statistics.mean(with_cov):6.2f} "
              f"(median {statistics.median(with_cov):5.2f})   none "
              f"{statistics.mean(without):6.2f} (median {statistics.median(without):5.2f})"
              f"   ratio {ratio:4.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
