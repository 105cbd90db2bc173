"""The sandbox: the security boundary between an untrusted program and the machine.

Programs are untrusted code (an LLM writes many of them, users paste others). The
static check (:mod:`fuel.program.static_check`) refuses only what this sandbox cannot
contain; everything else is contained here, with what an ordinary Linux user has:

* **Landlock** (:mod:`fuel.execute.landlock`, Linux >= 5.13), enforced by the kernel
  on native code too: writes only beneath the worker's own directory (its temporary
  files and Inductor's compile and cache directories are inside it), reads only from
  the system's and Python's directories, no TCP connect or bind (ABI >= 4), no signals
  to or abstract sockets of processes outside the sandbox (ABI >= 6). Where the kernel
  has none, fuel says so once at start-up and the layers below remain;
* a private network namespace (``unshare``, as root or through a user namespace),
  so no connection can leave the machine; skipped where the kernel refuses;
* resource limits: private memory (not address space), file size, no core dumps;
* the parent-death signal, so a worker never outlives its pool;
* an environment without the user's secrets (API keys, tokens, agent sockets);
* an audit hook (PEP 578), the second line, which gives a clear verdict where the
  kernel would only give ``EACCES``: it refuses Python-level file writes outside the
  worker's directory, sockets, process creation and native-library loading, except
  where Inductor itself compiles and loads its kernels. Native code does not raise
  audit events, which is why it is not the boundary.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import re
import resource
import signal
import sys
from pathlib import Path
from typing import Any

import fuel
from fuel.execute import landlock, memory
from fuel.execute.records import Failure

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
        "os.forkpty", "os.kill", "os.killpg", "pty.spawn", "ctypes.dlopen", "ctypes.dlsym",
        "ctypes.dlsym/handle",
    }
)  # fmt: skip


# Where torch, Python and the C++ compiler read from; a program may read there too.
SYSTEM_READ_ROOTS = (
    "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/proc", "/sys",
    "/dev",
)  # fmt: skip
# Device files a worker may open for writing: sinks and sources, and GPUs.
DEVICE_FILES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
GPU_DEVICE_PATTERNS = ("/dev/nvidia*", "/dev/dri/*", "/dev/kfd")
# Environment variables whose names say they hold a secret (or lead to one, such as
# SSH_AUTH_SOCK): a program could print them into its output, which fuel stores.
SECRET_NAME_PARTS = frozenset(
    {"KEY", "KEYS", "APIKEY", "TOKEN", "TOKENS", "SECRET", "SECRETS", "PASSWORD", "PASSWD",
     "CREDENTIAL", "CREDENTIALS", "AUTH", "COOKIE", "SESSION", "PAT"}
)  # fmt: skip
_landlock_note_shown = False
PERMISSION_WORDS = ("Permission denied", "EACCES", "Operation not permitted")
FILE_SIZE_LIMIT_MB = 256
# The environment variables that keep torch's temporary files and caches in the
# worker's directory.
PINNED_PATHS = (
    "TMPDIR", "TORCHINDUCTOR_CACHE_DIR", "TRITON_CACHE_DIR", "XDG_CACHE_HOME", "TORCH_HOME",
    "HOME",
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


def prepare_environment(root: Path, threads: int) -> None:
    """Point every cache and temporary path torch might use into the worker's root,
    and drop the user's secrets from the environment."""
    for name in ("tmp", "inductor", "cache", "home"):
        (root / name).mkdir(parents=True, exist_ok=True)
    for name in set(os.environ) - set(without_secrets(dict(os.environ))):
        del os.environ[name]
    os.environ.update(
        TMPDIR=str(root / "tmp"),
        TORCHINDUCTOR_CACHE_DIR=str(root / "inductor"),
        TRITON_CACHE_DIR=str(root / "inductor" / "triton"),
        XDG_CACHE_HOME=str(root / "cache"),
        TORCH_HOME=str(root / "cache" / "torch"),
        HOME=str(root / "home"),
        OMP_NUM_THREADS=str(threads),
        TORCHINDUCTOR_COMPILE_THREADS="1",
    )
    os.chdir(root)
    sys.dont_write_bytecode = True


def pin_paths(environ: dict[str, str]) -> None:
    """Put the sandbox's paths back after a program changed them (a program's
    ``TORCHINDUCTOR_CACHE_DIR`` would send Inductor's writes where Landlock refuses)."""
    for name in PINNED_PATHS:
        if name in environ:
            os.environ[name] = environ[name]


def without_secrets(env: dict[str, str]) -> dict[str, str]:
    """``env`` less the variables whose names mark them as secrets."""
    return {
        name: value
        for name, value in env.items()
        if not SECRET_NAME_PARTS.intersection(re.split(r"[^A-Z0-9]+", name.upper()))
    }


def read_roots() -> tuple[Path, ...]:
    """The system's directories, Python's installation and its import path, and fuel."""
    python = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable)}
    package = os.path.dirname(os.path.dirname(os.path.abspath(fuel.__file__)))
    paths = [*SYSTEM_READ_ROOTS, *python, *(p for p in sys.path if p), package]
    return tuple(dict.fromkeys(Path(os.path.realpath(p)) for p in paths))


def confine_files(writable: tuple[Path, ...], readable: tuple[Path, ...] = ()) -> str | None:
    """Apply Landlock: writes only beneath ``writable``; the layer's name, or None.

    Reads are allowed from :func:`read_roots` and ``readable``; GPU device files may be
    opened where the machine has them."""
    devices = [*DEVICE_FILES, *(d for p in GPU_DEVICE_PATTERNS for d in glob.glob(p))]
    rules = landlock.Rules(
        writable=writable,
        readable=(*read_roots(), *readable),
        devices=tuple(Path(d) for d in devices),
    )
    try:
        return landlock.confine(rules)
    except landlock.LandlockUnavailable:
        return None


def kernel_refusal(failure: Failure | None) -> str | None:
    """A "sandbox refused" line when ``failure`` (or an exception it wraps) is a
    permission error, which under Landlock is the kernel refusing the program."""
    while failure is not None:
        if any(word in failure.message for word in PERMISSION_WORDS):
            first = failure.message.strip().splitlines()[0] if failure.message.strip() else ""
            return f"sandbox refused (Landlock): {first[:200]}"
        failure = failure.cause
    return None


def note_missing_landlock() -> None:
    """Say once per process when the kernel cannot enforce the file and TCP rules."""
    global _landlock_note_shown
    if _landlock_note_shown:
        return
    _landlock_note_shown = True
    try:
        landlock.abi_version()
    except landlock.LandlockUnavailable as missing:
        sys.stderr.write(
            f"fuel: note: {missing}; workers are confined by the network namespace, "
            "resource limits and the audit hook only, which native code can bypass\n"
        )


def limit_resources(memory_mb: int, file_mb: int) -> None:
    """``memory_mb`` more private memory than the process holds now (see
    :mod:`fuel.execute.memory`: not address space), files up to ``file_mb``, no cores."""
    memory.limit(memory_mb)
    file_size = file_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Past RLIMIT_FSIZE a write fails with EFBIG instead of killing the worker.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


class AuditPolicy:
    """The audit hook's rules; keeps the violations it refused, for the verdict."""

    def __init__(self, root: Path, trusted_dirs: tuple[str, ...]) -> None:
        self.writable = (str(root.resolve()), "/dev/null")
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


def install_audit_hook(root: Path) -> AuditPolicy:
    import torch

    torch_dir = os.path.dirname(torch.__file__)
    trusted = (os.path.join(torch_dir, "_inductor") + os.sep,)
    policy = AuditPolicy(root, trusted)
    sys.addaudithook(policy)
    return policy
