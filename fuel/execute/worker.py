"""A warm worker process: imports torch once, then runs jobs sent by the pool.

Started by :mod:`fuel.execute.pool` as ``python -m fuel.execute.worker``. Before it
says hello it enters its sandbox, imports torch, configures the compiler (no caches,
``fallback_random``) and compiles a tiny function once, so that the first real test
pays no cold start. Every job then runs in its own directory under the worker's root.
"""

from __future__ import annotations

import gc
import io
import os
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from traceback import format_exc
from typing import Any

from fuel.execute import memory, protocol, sandbox, state
from fuel.execute.records import CoverageDelta, Failure, Job, Phase, Probe, RunOutcome

STDOUT_LIMIT = 64 * 1024
# A full collection costs ~0.2 s with torch loaded, a fifth of a warm compile; every
# job would waste that, while recycling workers already bounds memory growth.
COLLECT_EVERY_JOBS = 20


class CappedStream(io.TextIOBase):
    """Keeps the first ``limit`` characters written and counts the rest."""

    def __init__(self, limit: int = STDOUT_LIMIT) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.size < self.limit:
            self.parts.append(text[: self.limit - self.size])
        self.size += len(text)
        return len(text)

    def text(self) -> str:
        kept = "".join(self.parts)
        if self.size > self.limit:
            kept += f"\n[... {self.size - self.limit} more characters dropped]"
        return kept


def configure_torch(threads: int) -> None:
    import warnings

    import torch
    import torch._functorch.config as functorch_config
    import torch._inductor.config as inductor_config

    torch.set_num_threads(threads)
    inductor_config.force_disable_caches = True
    inductor_config.fx_graph_cache = False
    inductor_config.autotune_local_cache = False
    inductor_config.compile_threads = 1
    inductor_config.fallback_random = True
    functorch_config.enable_autograd_cache = False
    warnings.filterwarnings("ignore", message="dynamo_pgo force disabled")


def warm_up(device: str) -> None:
    import torch

    def tiny(x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x) * 2 + 1

    compiled = torch.compile(tiny)
    compiled(torch.randn(8, device=device))
    torch._dynamo.reset()


class Worker:
    def __init__(self, conn: Connection, root: Path, coverage: bool) -> None:
        self.conn = conn
        self.root = root
        self.policy: sandbox.AuditPolicy | None = None
        self.confined = False  # Landlock holds: EACCES means the kernel refused
        self.refusals: list[str] = []
        self.jobs_done = 0
        self.coverage: Any = None
        if coverage:
            from fuel.execute.coverage import CompilerCoverage

            self.coverage = CompilerCoverage()

    def serve(self) -> None:
        while True:
            try:
                message = protocol.receive(self.conn)
            except (EOFError, OSError):
                return
            if isinstance(message, protocol.Shutdown):
                return
            if isinstance(message, Job):
                self.handle(message)

    def handle(self, job: Job) -> None:
        from fuel.execute.runner import failure_from, instantiate, run_phases

        start = time.perf_counter()
        before = state.take()  # whatever the program changes is put back afterwards
        jobdir = self.root / f"job{job.job_id}"
        jobdir.mkdir(exist_ok=True)
        os.chdir(jobdir)
        capture = CappedStream()
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = capture
        if self.policy:
            self.policy.violations.clear()
        self.refusals.clear()
        setup_failure, probe = None, Probe()
        coverage: CoverageDelta | None = None
        measure = bool(self.coverage and job.coverage)
        try:
            self.announce(Phase.SETUP)
            try:
                options = job.options
                instance = instantiate(job.spec, jobdir, options.home_device, options.seed)
            except BaseException as exc:
                setup_failure = failure_from(exc)
                self.note_refusal(setup_failure)
            else:
                sandbox.pin_paths(before.environ)  # caches stay in the worker's directory
                probe = run_phases(
                    instance, job.options, self.announce, self.deliver, self.measuring(measure)
                )
            if measure:
                coverage = self.coverage.take_delta()
        except Exception as exc:  # fuel's own code failed: report it, keep serving
            failed = protocol.WorkerFailed(f"{type(exc).__name__}: {exc}", format_exc())
            protocol.send(self.conn, failed)
            return
        finally:
            sys.stdout, sys.stderr = saved
            os.chdir(self.root)
            shutil.rmtree(jobdir, ignore_errors=True)
            self.reset_compiler()
            state.restore(before)
        violations = (*(self.policy.violations if self.policy else ()), *self.refusals)
        tail = protocol.JobTail(
            setup_failure, probe, coverage, capture.text(), violations,
            time.perf_counter() - start,
        )  # fmt: skip
        protocol.send(self.conn, tail)

    def measuring(self, measure: bool) -> Callable[[], Any]:
        return self.coverage.measuring if measure else nullcontext

    def announce(self, phase: Phase) -> None:
        protocol.send(self.conn, protocol.PhaseStarted(phase))

    def note_refusal(self, failure: Failure | None) -> None:
        """Landlock answers a refused write or connect with EACCES, which the program
        sees as an ordinary error; under Landlock it is the sandbox's refusal."""
        if self.confined and (refused := sandbox.kernel_refusal(failure)):
            self.refusals.append(refused)

    def deliver(self, outcome: RunOutcome) -> None:
        self.note_refusal(outcome.failure)
        protocol.send(self.conn, protocol.PhaseDone(outcome))

    def reset_compiler(self) -> None:
        import torch

        torch._dynamo.reset()
        self.jobs_done += 1
        if self.jobs_done % COLLECT_EVERY_JOBS == 0:
            gc.collect()


@dataclass(frozen=True, slots=True)
class WorkerArgs:
    """What every worker of a pool shares, fixed when the zygote starts."""

    threads: int
    memory_mb: int
    coverage: bool
    sandbox: bool


def own_precompiled_headers(root: Path) -> None:
    """Inductor fixes its precompiled-header directory at import, in the zygote's root,
    where a worker may not write: a compile whose flags need a new header (say
    ``cpp.simdlen=256``) would be refused. Each worker gets its own directory, with
    links to the headers the zygote already built so that they are not built again."""
    codecache = sys.modules.get("torch._inductor.codecache")
    if codecache is None or not hasattr(codecache, "_HEADER_DIR"):
        return
    built = Path(codecache._HEADER_DIR)
    own = root / "inductor" / "precompiled_headers"
    own.mkdir(parents=True, exist_ok=True)
    if built.is_dir():
        for path in built.iterdir():
            if path.is_file() and not (own / path.name).exists():
                (own / path.name).symlink_to(path)
    setattr(codecache, "_HEADER_DIR", str(own))  # noqa: B010 (private, untyped)
    setattr(codecache, "_HEADER_LOCK_DIR", str(own / "locks"))  # noqa: B010


def become_worker(fd: int, root: Path, zygote_root: Path, args: WorkerArgs) -> None:
    """Turn a freshly forked child of the zygote into a sandboxed worker and serve."""
    import tempfile

    import torch

    os.setsid()  # its own process group: the pool kills it with its compiler children
    stderr = os.open(root / "stderr.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(stderr, 2)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    sandbox.prepare_environment(root, args.threads)
    tempfile.tempdir = None  # re-read TMPDIR, now inside this worker's root
    own_precompiled_headers(root)
    layers = ["forked from a warm zygote"]
    if sandbox.die_with_parent():
        layers.append("parent-death signal")
    if args.sandbox and (namespace := sandbox.isolate_network()):
        layers.append(namespace)
    memory.watch()  # opens /proc/self/clear_refs, which Landlock would refuse later
    # Before any thread starts: Landlock confines the calling thread and its children.
    confined = args.sandbox and sandbox.confine_files((root,), readable=(zygote_root,))
    if confined:
        layers.append(confined)
    torch.set_num_threads(args.threads)
    sandbox.limit_resources(args.memory_mb, sandbox.FILE_SIZE_LIMIT_MB)
    layers.append("resource limits")
    conn = Connection(fd)
    worker = Worker(conn, root, args.coverage)
    worker.confined = bool(confined)
    if args.sandbox:
        worker.policy = sandbox.install_audit_hook(root)
        layers.append("audit hook")
    protocol.send(conn, protocol.Hello(os.getpid(), torch.__version__, tuple(layers)))
    worker.serve()
