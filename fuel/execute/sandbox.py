"""Defence in depth for workers: what the process itself refuses to do.

The static check (:mod:`fuel.program.static_check`) is the first line. Behind it, a
worker narrows what it can reach, using only what an ordinary Linux user has:

* a private network namespace (``unshare``, as root or through a user namespace),
  so no connection can leave the machine; skipped where the kernel refuses;
* resource limits: address space, file size, no core dumps;
* the parent-death signal, so a worker never outlives its pool;
* an audit hook (PEP 578) that refuses file writes outside the worker's own
  directory, sockets, process creation and native-library loading, except where
  Inductor itself compiles and loads its kernels.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import sys
from pathlib import Path
from typing import Any

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

# event -> indices of the path arguments that must stay inside the sandbox
PATH_EVENTS: dict[str, tuple[int, ...]] = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.rename": (0, 1),
    "os.mkdir": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.symlink": (1,),
    "os.link": (1,),
    "os.truncate": (0,),
    "os.utime": (0,),
    "shutil.rmtree": (0,),
    "shutil.copyfile": (1,),
    "shutil.copytree": (1,),
    "shutil.move": (1,),
}
NETWORK_EVENTS = frozenset(
    {
        "socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
        "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
        "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect",
        "webbrowser.open",
    }
)  # fmt: skip
PROCESS_EVENTS = frozenset(
    {
        "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
        "os.forkpty", "os.kill", "os.killpg", "pty.spawn", "ctypes.dlopen",
    }
)  # fmt: skip


class SandboxViolation(PermissionError):
    """Raised inside the worker when a program reaches for something it may not."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def die_with_parent() -> bool:
    """Ask the kernel to send SIGTERM when the pool process dies."""
    try:
        ok = _libc().prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if ok and os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)
    return ok


def _write_file(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def isolate_network() -> str | None:
    """Enter a fresh network namespace with no interfaces up; the layer's name or None."""
    libc = _libc()
    if os.geteuid() == 0 and libc.unshare(CLONE_NEWNET) == 0:
        return "network namespace"
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return None
    try:
        _write_file("/proc/self/setgroups", "deny")
        _write_file("/proc/self/uid_map", f"{uid} {uid} 1")
        _write_file("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError:
        return None
    return "user+network namespace"


def limit_resources(memory_mb: int, file_mb: int) -> None:
    if memory_mb > 0:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    file_size = file_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Past RLIMIT_FSIZE a write fails with EFBIG instead of killing the worker.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


class AuditPolicy:
    """The audit hook's rules; keeps the violations it refused, for the verdict."""

    def __init__(
        self, root: Path, trusted_dirs: tuple[str, ...], extra_writable: tuple[Path, ...] = ()
    ) -> None:
        roots = (root, *extra_writable)
        self.writable = (*(str(r.resolve()) for r in roots), "/dev/null")
        self.trusted_dirs = trusted_dirs
        self.violations: list[str] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            self._check_open(args)
        elif event in PATH_EVENTS:
            for index in PATH_EVENTS[event]:
                if index < len(args):
                    self._check_path(event, args[index])
        elif event in NETWORK_EVENTS:
            self._refuse(f"{event} (network access)")
        elif event in PROCESS_EVENTS and not self._called_by_trusted_code():
            self._refuse(f"{event} {_short(args)}")

    def _check_open(self, args: tuple[Any, ...]) -> None:
        path, mode, flags = args[0], args[1], args[2]
        if isinstance(path, int):
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writing:
            self._check_path("open for writing", path)

    def _check_path(self, event: str, path: Any) -> None:
        if isinstance(path, int) or path is None:
            return
        resolved = os.path.realpath(os.fsdecode(path))
        if not any(resolved == w or resolved.startswith(w + os.sep) for w in self.writable):
            self._refuse(f"{event} {resolved}")

    def _called_by_trusted_code(self) -> bool:
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename.startswith(self.trusted_dirs):
                return True
            frame = frame.f_back  # type: ignore[assignment]
        return False

    def _refuse(self, what: str) -> None:
        message = f"sandbox refused {what}"
        self.violations.append(message)
        raise SandboxViolation(message)


def _short(args: tuple[Any, ...]) -> str:
    text = repr(args)
    return text if len(text) < 120 else text[:117] + "..."


def install_audit_hook(root: Path, extra_writable: tuple[Path, ...] = ()) -> AuditPolicy:
    import torch

    torch_dir = os.path.dirname(torch.__file__)
    trusted = (os.path.join(torch_dir, "_inductor") + os.sep,)
    policy = AuditPolicy(root, trusted, extra_writable)
    sys.addaudithook(policy)
    return policy
