"""The zygote: imports torch and warms the compiler up once, then forks workers.

Starting a worker from scratch costs ~15 s (importing torch, then a first compile
that loads half of Inductor and builds its precompiled header). A fork of a process
that has already paid that costs milliseconds, so crashed, hung and recycled workers
come back at once. The zygote stays single-threaded and runs its warm-up with one
thread, so nothing it forks inherits a half-alive thread pool; each child then enters
its own session and sandbox (see :func:`fuel.execute.worker.become_worker`).

The zygote is the workers' parent, so it reaps them and reports every exit status
to the pool, which cannot wait on processes that are not its children.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import pickle
import select
import socket
import sys
from pathlib import Path

from fuel.execute import protocol, sandbox
from fuel.execute.worker import (
    WorkerArgs,
    become_worker,
    configure_torch,
    warm_up,
)

MESSAGE_BYTES = 64 * 1024
REAP_INTERVAL_S = 0.1


def send(control: socket.socket, message: protocol.ZygoteMessage) -> None:
    control.send(pickle.dumps(message))


def reap(control: socket.socket, children: set[int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        send(control, protocol.Exited(pid, os.waitstatus_to_exitcode(status)))


def fork_worker(
    control: socket.socket, fd: int, root: Path, zygote_root: Path, args: WorkerArgs
) -> int:
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            control.close()
            become_worker(fd, root, zygote_root, args)
        except BaseException:  # never return into the zygote's loop
            code = 70
        finally:
            os._exit(code)
    os.close(fd)
    return pid


def serve(control: socket.socket, zygote_root: Path, args: WorkerArgs) -> None:
    children: set[int] = set()
    try:
        while True:
            readable, _, _ = select.select([control], [], [], REAP_INTERVAL_S)
            reap(control, children)
            if not readable:
                continue
            data, fds, _, _ = socket.recv_fds(control, MESSAGE_BYTES, 1)
            if not data:
                return
            message = pickle.loads(data)
            if isinstance(message, protocol.Spawn) and fds:
                pid = fork_worker(control, fds[0], Path(message.root), zygote_root, args)
                children.add(pid)
                send(control, protocol.Spawned(pid))
    finally:
        for pid in children:
            with contextlib.suppress(OSError):
                os.killpg(pid, 9)


def main() -> None:
    parser = argparse.ArgumentParser(prog="fuel-zygote")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--coverage", action="store_true")
    parser.add_argument("--no-sandbox", action="store_true")
    options = parser.parse_args()
    control = socket.socket(fileno=options.fd)
    sandbox.prepare_environment(options.root, threads=1)
    sandbox.die_with_parent()
    import torch

    configure_torch(threads=1)
    warm_up("cpu")  # never CUDA here: a CUDA context does not survive a fork
    if options.coverage:
        import coverage  # noqa: F401  (imported once here, not in every worker)
    gc.freeze()
    args = WorkerArgs(options.threads, options.memory_mb, options.coverage, not options.no_sandbox)
    send(control, protocol.ZygoteReady(torch.__version__))
    serve(control, options.root, args)
    sys.exit(0)


if __name__ == "__main__":
    main()
