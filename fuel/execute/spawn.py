"""The pool's side of the zygote: ask it for workers, learn how they ended.

See :mod:`fuel.execute.zygote` for why workers are forked from a warm process. The
zygote is started in its own session with one end of a SOCK_SEQPACKET socketpair
(message boundaries kept, file descriptors passed along with a spawn request); a
reader thread routes its replies: ``Spawned`` to the caller waiting for it,
``Exited`` into a table that the pool consults for crash verdicts.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import fuel
from fuel.errors import FuelError
from fuel.execute import protocol

ROOT_PREFIX = "fuel-worker-"
MESSAGE_BYTES = 64 * 1024
SPAWN_TIMEOUT_S = 60.0


def child_environment() -> dict[str, str]:
    """The environment of fuel's child processes: this fuel package first on the path."""
    env = dict(os.environ)
    package_parent = str(Path(fuel.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def tail(path: Path, size: int = 4000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode(errors="replace")
    except OSError:
        return ""


class Zygote:
    def __init__(self, *, threads: int, memory_mb: int, coverage: bool, sandbox: bool) -> None:
        self.root = Path(tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{os.getpid()}-zygote-"))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control = ours
        command = [
            sys.executable,
            "-m",
            "fuel.execute.zygote",
            "--fd",
            str(theirs.fileno()),
            "--root",
            str(self.root),
            "--threads",
            str(threads),
            "--memory-mb",
            str(memory_mb),
        ]
        command += ["--coverage"] if coverage else []
        command += [] if sandbox else ["--no-sandbox"]
        with open(self.root / "stderr.log", "wb") as stderr:
            self.process = subprocess.Popen(
                command,
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                cwd=self.root,
                env=child_environment(),
                start_new_session=True,
            )
        theirs.close()
        self.torch_version = ""
        self.dead = False
        self._ready = threading.Event()
        self._spawn_lock = threading.Lock()
        self._spawned: queue.Queue[int] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._changed = threading.Condition()
        threading.Thread(target=self._read, name="fuel-zygote-reader", daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = self.control.recv(MESSAGE_BYTES)
            except OSError:
                data = b""
            if not data:
                break
            message = pickle.loads(data)
            if isinstance(message, protocol.ZygoteReady):
                self.torch_version = message.torch_version
                self._ready.set()
            elif isinstance(message, protocol.Spawned):
                self._spawned.put(message.pid)
            elif isinstance(message, protocol.Exited):
                with self._changed:
                    self._exits[message.pid] = message.returncode
                    self._changed.notify_all()
        with self._changed:
            self.dead = True
            self._changed.notify_all()
        self._ready.set()
        self._spawned.put(-1)

    def wait_ready(self, timeout_s: float) -> None:
        if not self._ready.wait(timeout_s):
            raise FuelError(f"the worker zygote did not start in {timeout_s:.0f} s")
        if self.dead:
            lines = tail(self.root / "stderr.log").strip().splitlines()
            last = lines[-1] if lines else f"exit code {self.process.wait()}"
            raise FuelError(f"the worker zygote failed to start: {last}")

    def spawn(self, root: Path, fd: int, timeout_s: float) -> int:
        """Fork a worker that will serve jobs on ``fd`` with ``root`` as its directory."""
        self.wait_ready(timeout_s)
        with self._spawn_lock:
            try:
                socket.send_fds(self.control, [pickle.dumps(protocol.Spawn(str(root)))], [fd])
                pid = self._spawned.get(timeout=SPAWN_TIMEOUT_S)
            except (OSError, queue.Empty):
                pid = -1
        if pid < 0:
            raise FuelError("the worker zygote stopped answering")
        return pid

    def exit_status(self, pid: int, timeout_s: float) -> int | None:
        """How ``pid`` ended (as subprocess reports it), waiting up to ``timeout_s``."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits or self.dead, timeout_s)
            return self._exits.get(pid)

    def has_exited(self, pid: int) -> bool:
        with self._changed:
            return pid in self._exits

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.control.close()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
