"""The LLM generator against a real model, side by side with the built-in one (issue 16).

``--rounds`` rounds of the LLM loop as a campaign runs it, without the campaign around
it: each round asks for a program around one or two catalog operators, checks it
(eager and compiled, in the sandboxed pool), reports the verdict back (so the next
prompt carries the analysis), and repairs invalid programs up to ``--max-repairs``.
Then the built-in generator gets the same wall time on the same kind of requests.
Printed side by side: valid on first answer (the round's first reply loaded and ran in
eager), valid after repair, repair requests, seconds and tokens per round, operators
asked for that the program calls, and bugs found (distinct signatures).

With ``--preset local`` the server is started through ``scripts/local-llm.sh`` (and
stopped again if this run started it). Replies come from a fresh response cache unless
``--cache DIR`` is given, so the figures measure the model, not the cache.

    python bench/llm.py --preset local --rounds 30 [--max-repairs 2] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fuel.check import Checker  # noqa: E402
from fuel.errors import Rejected  # noqa: E402
from fuel.execute.pool import PoolSettings, WorkerPool  # noqa: E402
from fuel.execute.records import CompileOptions  # noqa: E402
from fuel.feedback.record import Feedback  # noqa: E402
from fuel.generate.base import GenerationRequest, Generator  # noqa: E402
from fuel.generate.builtin import BuiltinGenerator  # noqa: E402
from fuel.generate.registry import GeneratorSettings  # noqa: E402
from fuel.judge.verdict import Outcome, Verdict  # noqa: E402
from fuel.llm.extract import same_program  # noqa: E402
from fuel.llm.generator import build_llm  # noqa: E402
from fuel.llm.loop import REPAIR_SUFFIX  # noqa: E402
from fuel.llm.operators import OperatorBook  # noqa: E402
from fuel.llm.settings import LLMSettings  # noqa: E402
from fuel.program import Program  # noqa: E402

LOCAL_LLM = ROOT / "scripts" / "local-llm.sh"
VALID = frozenset({Outcome.PASS, Outcome.BUG})  # eager ran: the program tests the compiler
MAX_OPS = 2  # operators asked for per round: a small model manages one or two


@dataclass
class Tally:
    rounds: int = 0
    no_program: int = 0  # rounds that ended with nothing loadable
    valid_first: int = 0
    valid_final: int = 0
    repairs: int = 0
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ops_asked: int = 0
    ops_reached: int = 0
    all_reached: int = 0  # rounds whose final program calls every operator asked for
    outcomes: Counter[str] = field(default_factory=Counter)
    bugs: set[str] = field(default_factory=set)
    valid_sources: list[str] = field(default_factory=list)  # each valid program, once
    copies: int = 0  # valid programs that are one of the prompt's examples

    def keep(self, source: str, examples: tuple[str, ...]) -> None:
        if not any(same_program(source, seen) for seen in self.valid_sources):
            self.valid_sources.append(source)
        self.copies += any(same_program(source, example) for example in examples)

    def pct(self, count: int) -> str:
        return f"{count / self.rounds:.1%}" if self.rounds else "-"


def local_server() -> bool:
    """Start the local server unless it runs; True when this call started it."""
    running = subprocess.run([str(LOCAL_LLM), "status"], capture_output=True, text=True)
    if running.returncode == 0:
        return False
    print("starting the local model server (scripts/local-llm.sh start)...", flush=True)
    subprocess.run([str(LOCAL_LLM), "start"], check=True, stdout=subprocess.DEVNULL)
    return True


def requests(names: tuple[str, ...], seed: int) -> Callable[[int], GenerationRequest]:
    rng = random.Random(seed)

    def next_request(index: int) -> GenerationRequest:
        ops = tuple(sorted(rng.sample(names, rng.randint(1, MAX_OPS))))
        return GenerationRequest(ops, seed * 100_000 + index)

    return next_request


def play_round(
    generator: Generator,
    request: GenerationRequest,
    checker: Checker,
    tally: Tally,
    examples: tuple[str, ...] = (),
) -> Program | None:
    """One round as the campaign plays it: generate, check, teach, repair while invalid."""
    tally.rounds += 1
    try:
        program = generator.generate(request)
    except Rejected:
        tally.no_program += 1
        return None
    verdict = check(generator, checker, program)
    first = not REPAIR_SUFFIX.search(program.name)  # not a repair of an unloadable reply
    tally.valid_first += first and verdict.outcome in VALID
    while verdict.outcome is Outcome.INVALID:
        repaired = generator.repair(program, verdict)
        if repaired is None:
            break
        program, verdict = repaired, check(generator, checker, repaired)
    tally.valid_final += verdict.outcome in VALID
    if verdict.outcome in VALID:
        tally.keep(program.source, examples)
    tally.outcomes[verdict.outcome.value] += 1
    if verdict.outcome is Outcome.BUG and verdict.signature is not None:
        tally.bugs.add(repr(verdict.signature))
    return program


def check(generator: Generator, checker: Checker, program: Program) -> Verdict:
    verdict = checker.run(program).verdict
    generator.observe(Feedback(program, verdict, new_lines=0))
    return verdict


def count_ops(book: OperatorBook, request: GenerationRequest, program: Program | None,
              tally: Tally) -> None:  # fmt: skip
    reached = [op for op in request.ops if program and book.reached(program.source, op)]
    tally.ops_asked += len(request.ops)
    tally.ops_reached += len(reached)
    tally.all_reached += len(reached) == len(request.ops)


def run_llm(
    args: argparse.Namespace, checker: Checker, cache: Path
) -> tuple[Tally, str, tuple[str, ...]]:
    settings = LLMSettings(preset=args.preset, cache_dir=cache, max_repairs=args.max_repairs)
    generator = build_llm(GeneratorSettings(seed=args.seed, family_settings=(settings,)))
    book = generator.book or OperatorBook()
    names = generator.operators()  # the preset's operators, or the whole catalog
    next_request, tally = requests(names, args.seed), Tally()
    shots = generator.prompts.shots
    examples = tuple(s.program for s in shots.generate) + tuple(s.program for s in shots.repair)
    start = time.monotonic()
    for index in range(args.rounds):
        request = next_request(index)
        program = play_round(generator, request, checker, tally, examples)
        count_ops(book, request, program, tally)
        print(f"  llm round {index + 1}: {tally.outcomes.most_common()} "
              f"({time.monotonic() - start:.0f} s)", flush=True)  # fmt: skip
    tally.seconds = time.monotonic() - start
    total = generator.costs().total
    tally.prompt_tokens, tally.completion_tokens = total.prompt_tokens, total.completion_tokens
    status = generator.llm_status()
    tally.repairs = status.repairs.requests
    reasons = "; ".join(f"{reason} ({n})" for reason, n in status.rejection_reasons[:6])
    return tally, f"{status.line()}\n  unusable replies: {reasons or 'none'}", names


def run_builtin(
    args: argparse.Namespace, checker: Checker, seconds: float, names: tuple[str, ...]
) -> Tally:
    """The built-in generator for ``seconds``, asked for the same operators."""
    generator = BuiltinGenerator(seed=args.seed)
    book = OperatorBook(generator.catalog)
    next_request, tally = requests(names, args.seed), Tally()
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        request = next_request(tally.rounds)
        program = play_round(generator, request, checker, tally)
        count_ops(book, request, program, tally)
    tally.seconds = time.monotonic() - start
    return tally


def report(llm: Tally, builtin: Tally, model: str) -> None:
    def per_round(tally: Tally, value: float) -> str:
        return f"{value / tally.rounds:.1f}" if tally.rounds else "-"

    rows = [
        ("rounds", str(llm.rounds), str(builtin.rounds)),
        ("rounds with no loadable program", str(llm.no_program), str(builtin.no_program)),
        ("valid on first answer", llm.pct(llm.valid_first), builtin.pct(builtin.valid_first)),
        ("valid after repair", llm.pct(llm.valid_final), builtin.pct(builtin.valid_final)),
        ("repair requests", str(llm.repairs), "-"),
        ("seconds per round", per_round(llm, llm.seconds), per_round(builtin, builtin.seconds)),
        ("tokens per round (prompt+completion)",
         f"{per_round(llm, llm.prompt_tokens)}+{per_round(llm, llm.completion_tokens)}", "0"),
        ("operators asked / called",
         f"{llm.ops_asked} / {llm.ops_reached}", f"{builtin.ops_asked} / {builtin.ops_reached}"),
        ("rounds calling every operator asked", llm.pct(llm.all_reached),
         builtin.pct(builtin.all_reached)),
        ("distinct valid programs", str(len(llm.valid_sources)),
         str(len(builtin.valid_sources))),
        ("valid programs copying a prompt example", str(llm.copies), "-"),
        ("outcomes", dict(llm.outcomes.most_common()).__repr__(),
         dict(builtin.outcomes.most_common()).__repr__()),
        ("bugs found (distinct signatures)", str(len(llm.bugs)), str(len(builtin.bugs))),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print(f"\n{'':{width}}  {'llm ' + model:>40}  {'builtin (same time)':>40}")
    for name, left, right in rows:
        print(f"{name:{width}}  {left:>40}  {right:>40}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="local")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--max-repairs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=None, help="reuse this response cache")
    args = parser.parse_args()

    started = args.preset == "local" and local_server()
    try:
        with tempfile.TemporaryDirectory() as scratch, WorkerPool(PoolSettings(workers=1)) as pool:
            checker = Checker(pool, CompileOptions())
            llm, status, names = run_llm(args, checker, args.cache or Path(scratch) / "cache")
            print(f"llm: {status}")
            builtin = run_builtin(args, checker, llm.seconds, names)
    finally:
        if started:
            subprocess.run([str(LOCAL_LLM), "stop"], check=False)
    report(llm, builtin, args.preset)


if __name__ == "__main__":
    main()
