"""A small binding of Landlock, the kernel's unprivileged access control (Linux >= 5.13).

Python's audit hooks are not a sandbox: native code (a torch operator, numpy, ctypes)
opens files and sockets without raising an audit event. Landlock is enforced by the
kernel on every system call of the confined process and of everything it starts, so
it is the boundary the worker's file writes, TCP connections and signals rely on.

Three system calls make a confinement (``landlock(7)``): ``landlock_create_ruleset``
names what is *handled* (refused unless a rule allows it), ``landlock_add_rule`` allows
some of it beneath a directory, ``landlock_restrict_self`` applies the ruleset to the
calling thread and every process it later starts; ``PR_SET_NO_NEW_PRIVS`` must be set
first. What the kernel supports grows with its Landlock ABI version; each right below
is used only where the running kernel knows it, so older kernels get a weaker but
still correct confinement.

The PyPI ``landlock`` package (1.0.0.dev5, alpha) covers file-system rules only, with
no TCP rules (ABI 4) or scopes (ABI 6); this file is the part of it fuel needs, plus those.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from dataclasses import dataclass
from pathlib import Path

# The generic system-call numbers (the same on x86_64 and aarch64).
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38
SUPPORTED_MACHINES = ("x86_64", "aarch64")

# Access rights to files and directories, by the ABI version that introduced them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: REFER, 3: TRUNCATE, 5: IOCTL_DEV}
# Rights that make sense on a file (the rest apply to directories only).
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ_RIGHTS = EXECUTE | READ_FILE | READ_DIR
BIND_TCP, CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6


class LandlockUnavailable(OSError):
    """The kernel (or this platform) offers no Landlock; the message says why."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is packed: 12 bytes
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


@dataclass(frozen=True, slots=True)
class Rules:
    """What a confined process may still do; everything else its ABI handles is refused.

    ``writable``: directories beneath which it may do anything (create, write, remove);
    ``readable``: directories (or files) it may read and execute from;
    ``devices``: device files it may open for writing and ioctl (``/dev/null``, GPUs).
    Paths that do not exist are skipped.
    """

    writable: tuple[Path, ...]
    readable: tuple[Path, ...]
    devices: tuple[Path, ...] = ()


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def abi_version() -> int:
    """The kernel's Landlock ABI version; raises :class:`LandlockUnavailable`."""
    if platform.system() != "Linux" or platform.machine() not in SUPPORTED_MACHINES:
        raise LandlockUnavailable(
            f"no Landlock binding for {platform.system()} {platform.machine()}"
        )
    libc = _libc()
    version = libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    if version < 0:
        errno = ctypes.get_errno()
        why = "disabled at boot" if errno == 95 else os.strerror(errno)  # EOPNOTSUPP
        raise LandlockUnavailable(f"the kernel has no usable Landlock ({why})")
    return int(version)


def fs_rights(abi: int) -> int:
    rights = 0
    for version, bits in FS_RIGHTS_BY_ABI.items():
        if abi >= version:
            rights |= bits
    return rights


def confine(rules: Rules) -> str:
    """Confine this thread and its future children to ``rules``; return what now holds.

    Call it while the process has one thread: Landlock restricts the calling thread
    (and what it starts), not threads already running.
    """
    abi = abi_version()
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise LandlockUnavailable(f"Landlock must be applied single-threaded ({threads} threads)")
    libc = _libc()
    handled = fs_rights(abi)
    attr = _RulesetAttr(
        handled_access_fs=handled,
        handled_access_net=(BIND_TCP | CONNECT_TCP) if abi >= 4 else 0,
        scoped=(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if abi >= 6 else 0,
    )
    fd = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if fd < 0:
        raise LandlockUnavailable(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        for path in rules.writable:
            _allow(libc, fd, path, handled)
        for path in rules.readable:
            _allow(libc, fd, path, READ_RIGHTS & handled)
        for path in rules.devices:
            _allow(libc, fd, path, (READ_FILE | WRITE_FILE | IOCTL_DEV) & handled)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise LandlockUnavailable(f"PR_SET_NO_NEW_PRIVS: {os.strerror(ctypes.get_errno())}")
        if libc.syscall(SYS_RESTRICT_SELF, fd, 0) != 0:
            raise LandlockUnavailable(f"landlock_restrict_self: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)
    return describe(abi)


def _allow(libc: ctypes.CDLL, ruleset: int, path: Path, rights: int) -> None:
    try:
        target = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # absent on this machine: nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        beneath = _PathBeneathAttr(allowed_access=rights, parent_fd=target)
        if libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(beneath), 0) != 0:
            error = os.strerror(ctypes.get_errno())
            raise LandlockUnavailable(f"landlock_add_rule {path}: {error}")
    finally:
        os.close(target)


def describe(abi: int) -> str:
    """The layer's name in a worker's hello: what this ABI lets fuel refuse."""
    parts = ["files"]
    if abi >= 4:
        parts.append("TCP")
    if abi >= 6:
        parts.append("signals")
    return f"landlock ABI {abi} ({', '.join(parts)})"
