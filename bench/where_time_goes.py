"""Where a test's time goes: the phases of a test, and inside the compiled phase, which
part of the compiler stack the time is spent in.

Makes ``--programs`` built-in programs, then runs them in one forked child that first
puts itself under a worker's sandbox (network namespace, Landlock, resource limits,
audit hook) and runs them as a warm worker would (caches off, one compile thread,
warmed up; no coverage), each through the runner's phases: the profile needs them in
the process it measures. Prints seconds per program for each
phase, and the compiled phase's own time (cProfile's ``tottime``) grouped by where the
code lives: Dynamo, AOTAutograd and fake tensors, Inductor, waiting for the C++
compiler, running the program's kernels, the rest (with ``--cprofile``).

It also counts Dynamo's graphs and Inductor's C++ compiles, and times one compile of a
kernel that does nothing with Inductor's own command line: on CPU, Inductor builds every
kernel as its own shared library, and each build pays that fixed part (the precompiled
header's deferred template instantiations, the link). Packing several programs into one
graph (batching) shares per-graph costs, not per-kernel ones.

    python bench/where_time_goes.py [--programs 20] [--seed 0] [--config inductor.NAME=VALUE]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.coverage_cost import specs  # noqa: E402
from fuel.execute import runner, sandbox  # noqa: E402
from fuel.execute.records import CompileOptions, Phase, RunOutcome  # noqa: E402
from fuel.execute.worker import configure_torch, warm_up  # noqa: E402

MEMORY_MB = 4096  # fuel fuzz's default --memory-mb
EMPTY_KERNEL = '#include <torch/csrc/inductor/cpp_prefix.h>\nextern "C" void kernel() {}\n'

# First match wins: (label, substrings of a profiled function's file or name).
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("C++ compiler (waiting on g++)", ("subprocess.py", "_io.BufferedReader", "waitpid")),
    ("Inductor", ("torch/_inductor/",)),
    (
        "AOTAutograd, fake tensors, FX",
        (
            "torch/_functorch/",
            "torch/_subclasses/",
            "torch/fx/",
            "torch/_decomp/",
            "torch/_refs/",
            "torch/_prims",
        ),
    ),
    ("Dynamo", ("torch/_dynamo/", "torch/_guards")),
    ("sympy (shapes)", ("sympy/",)),
    (
        "torch ops (kernels, dispatch)",
        (
            "<built-in method torch.",
            "<method '",
            "torch/_ops.py",
            "torch/_tensor.py",
            "torch/nn/",
            "torch/overrides",
        ),
    ),
)


def bucket_of(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    for label, needles in BUCKETS:
        if any(needle in where for needle in needles):
            return label
    return "other"


def profile_buckets(profile: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profile)
    seconds: dict[str, float] = defaultdict(float)
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        seconds[bucket_of(filename, name)] += row[2]
    return seconds


@contextlib.contextmanager
def profiled_compiled_phase(profile: cProfile.Profile) -> Iterator[None]:
    """Profile only the compiled phase: the runner opens this context around it."""
    profile.enable()
    try:
        yield
    finally:
        profile.disable()


class CompilerClock:
    """Wall seconds spent in the C++ compiler's processes, timed where Inductor starts
    them (``cpp_builder.run_compile_cmd``), with no profiler running."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.runs = 0
        self.last_command = ""  # Inductor's command line for the last kernel it built
        self.build: Callable[[str, str], None] = lambda cmd_line, cwd: None

    def install(self) -> None:
        from torch._inductor import cpp_builder

        original = self.build = cpp_builder.run_compile_cmd

        def timed(cmd_line: str, cwd: str) -> None:
            start = time.perf_counter()
            try:
                original(cmd_line, cwd)
            finally:
                self.seconds += time.perf_counter() - start
                self.runs += 1
                self.last_command = cmd_line

        cpp_builder.run_compile_cmd = timed

    def fixed_cost(self, tries: int = 3) -> float:
        """Seconds one C++ compile costs whatever the kernel: Inductor's last command
        line run on a kernel that does nothing (the same header, flags and link), the
        fastest of ``tries``."""
        words = self.last_command.split()
        fastest = float("inf")
        with tempfile.TemporaryDirectory() as tmp:
            empty = Path(tmp) / "empty.cpp"
            empty.write_text(EMPTY_KERNEL)
            words[1], words[words.index("-o") + 1] = str(empty), str(Path(tmp) / "empty.so")
            for _ in range(tries):  # through Inductor's own runner, as the sandbox allows
                start = time.perf_counter()
                self.build(" ".join(words), tmp)
                fastest = min(fastest, time.perf_counter() - start)
        return fastest


def confine(root: Path) -> list[str]:
    """Put this process under a worker's sandbox before it runs any generated program:
    caches and temporary files beneath ``root``, no network, writes only there (Landlock
    where the kernel has it), a worker's resource limits and audit hook. The profile
    needs the programs in this process, so the process itself becomes the worker."""
    sandbox.prepare_environment(root, threads=1)
    tempfile.tempdir = None  # TMPDIR now points beneath root
    layers = [layer for layer in (sandbox.isolate_network(), sandbox.confine_files((root,)))
              if layer]  # fmt: skip
    sandbox.limit_resources(MEMORY_MB, sandbox.FILE_SIZE_LIMIT_MB)
    sandbox.install_audit_hook(root)
    return [*layers, "resource limits", "audit hook"]


def run_one(
    spec: Any, options: CompileOptions, workdir: Path, profile: cProfile.Profile | None
) -> list[RunOutcome]:
    outcomes: list[RunOutcome] = []
    instance = runner.instantiate(spec, workdir, options.device, options.seed)
    context: Callable[[], Any] = (
        contextlib.nullcontext if profile is None else lambda: profiled_compiled_phase(profile)
    )
    runner.run_phases(instance, options, lambda _phase: None, outcomes.append, context)
    return outcomes


def parse_config(items: list[str]) -> tuple[tuple[str, Any], ...]:
    pairs = []
    for item in items:
        name, _, value = item.partition("=")
        pairs.append((name, eval(value, {})))  # bench input, typed by the person running it
    return tuple(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cprofile",
        action="store_true",
        help="also profile the compiled phase (slows Python code ~2x)",
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        help="a compiler setting for the compiled phase, e.g. inductor.cpp.cxx=...",
    )
    args = parser.parse_args()
    options = CompileOptions(config=parse_config(args.config))
    programs = specs(args.programs, args.seed)  # made and loaded here, run in the child
    sys.stdout.flush()
    child = os.fork()  # one thread, as Landlock needs (the zygote forks workers alike)
    if child == 0:
        code = 1
        try:
            measure(args, programs, options)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            os._exit(code)
    _, status = os.waitpid(child, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


def measure(args: argparse.Namespace, programs: list[Any], options: CompileOptions) -> None:
    root = Path(tempfile.mkdtemp(prefix="fuel-where-time-goes-"))
    print(f"running the programs confined as a worker is: {', '.join(confine(root))}")
    configure_torch(1)
    warm_up("cpu")
    from torch._dynamo.utils import counters

    profile = cProfile.Profile() if args.cprofile else None
    clock = CompilerClock()
    clock.install()
    graphs = 0  # Dynamo's graphs (a graph break makes two)
    phases: dict[Phase, float] = defaultdict(float)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for index, spec in enumerate(programs):
            workdir = Path(tmp) / f"p{index}"
            workdir.mkdir()
            counters.clear()
            for outcome in run_one(spec, options, workdir, profile):
                phases[outcome.phase] += outcome.seconds
            graphs += counters["stats"]["unique_graphs"]
    wall = time.perf_counter() - start
    count = len(programs)
    print(f"{count} programs, {wall:.1f} s wall, {wall / count:.2f} s a program")
    print("phase seconds a program:")
    for phase, seconds in phases.items():
        print(f"  {phase.value:<14} {seconds / count:6.3f}  ({seconds / wall:5.1%} of wall)")
    compiled = phases[Phase.COMPILED]
    print(
        f"C++ compiler: {clock.runs / count:.1f} runs and {clock.seconds / count:.3f} s a program"
        f" ({clock.seconds / compiled:.1%} of the compiled phase)"
    )
    print(
        f"Dynamo graphs a program: {graphs / count:.2f}; C++ compiles a graph: "
        f"{clock.runs / max(1, graphs):.2f} (Inductor builds each kernel on its own)"
    )
    if clock.runs:
        fixed = clock.fixed_cost()
        print(f"one C++ compile of an empty kernel (same command): {fixed:.3f} s; "
              f"{clock.runs} compiles x that = {clock.runs * fixed / compiled:.1%} "
              "of the compiled phase is paid per kernel, whatever the kernel")  # fmt: skip
    if profile is None:
        return
    buckets = profile_buckets(profile)
    total = sum(buckets.values())
    print(f"compiled phase under cProfile: {total / count:.3f} s a program, by where:")
    for label, seconds in sorted(buckets.items(), key=lambda item: -item[1]):
        print(f"  {label:<32} {seconds / count:6.3f}  ({seconds / total:5.1%})")


if __name__ == "__main__":
    main()
