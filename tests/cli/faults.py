"""Real faults for the fault matrix (``tests/cli/test_faults.py``), and how to read what
a command left behind.

Nothing here is mocked: a small disk is a tmpfs of two megabytes, filled; a read-only
store is a tmpfs remounted read-only, or a file made immutable (``chattr +i``: root
ignores permissions, not that); a damaged store has a page past its header overwritten
with random bytes; an unreadable file is one that the command, run in a user namespace
where the file's owner does not exist, may not open (as root, ``chmod 000`` alone would
not stop it). Where the kernel refuses one of them (no root, no user namespaces), the
test that needs it is skipped and says why.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FAKE_CLI = (sys.executable, "-m", "tests.cli.fake_cli")  # fuel with the toy and fake pool
REAL_CLI = (sys.executable, "-m", "fuel.cli.main")
NOBODY = 4242  # an owner no user namespace of ours maps


@dataclass(frozen=True, slots=True)
class Ended:
    """How a command ended: its exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def shell_code(self) -> int:
        """The code a shell shows (``$?``): 128 + the signal for a process a signal ended.
        Python ends itself by SIGINT when a KeyboardInterrupt once escaped code it ran
        from C (CPython's ``_Py_UnhandledKeyboardInterrupt``), even though fuel caught
        it and said so: for the shell that is 130 too."""
        return 128 - self.code if self.code < 0 else self.code

    def killed_as_it_exited(self, signum: int) -> bool:
        """Ended by the signal with nothing said: it landed after the command's work, as
        the interpreter exited (its handlers already gone), which any program allows."""
        return self.code == -signum and not self.err.strip()

    def line(self) -> str:
        """The one line on stderr, after checking there is exactly one and no traceback."""
        assert "Traceback" not in self.err, self.err
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{self.err}"
        return lines[0]

    def quiet(self) -> None:
        """Nothing on stderr."""
        assert self.err.strip() == "", self.err


def as_in_a_terminal() -> None:
    """SIGINT as a terminal leaves it: a shell runs background jobs with SIGINT ignored,
    the child would inherit that, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(
    *args: str,
    env: dict[str, str] | None = None,
    prefix: tuple[str, ...] = (),
    stdout: int | None = subprocess.PIPE,
    fake: bool = False,
) -> subprocess.Popen[str]:
    """``fuel ARGS`` in a process of its own; ``fake``: with the toy generators and the
    fake pool (a campaign that compiles nothing), else the plain command line."""
    command = FAKE_CLI if fake else REAL_CLI
    return subprocess.Popen(
        [*prefix, *command, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_in_a_terminal,
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> Ended:
    out, err = process.communicate(timeout=timeout)
    return Ended(process.returncode, out or "", err)


def run(
    *args: str, prefix: tuple[str, ...] = (), fake: bool = False, timeout: float = 120
) -> Ended:
    return finish(spawn(*args, prefix=prefix, fake=fake), timeout)


# ---------------------------------------------------------------- the store
def tests_of(out: Path) -> list[tuple[int, str, str]]:
    """Every recorded test (id, digest, source), after checking the database is sound."""
    try:
        return _tests_of(out, "ro")
    except sqlite3.OperationalError:
        # A full disk leaves no room for SQLite's -shm index; with no WAL left to
        # read, the file alone is the whole database.
        wal = out / "campaign.db-wal"
        assert not wal.exists() or wal.stat().st_size == 0
        return _tests_of(out, "ro&immutable=1")


def _tests_of(out: Path, mode: str) -> list[tuple[int, str, str]]:
    conn = sqlite3.connect(f"{(out / 'campaign.db').resolve().as_uri()}?mode={mode}", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT id, digest, source FROM tests ORDER BY id").fetchall()
        return [(int(i), str(d), str(s)) for i, d, s in rows]
    finally:
        conn.close()


def assert_kept(out: Path, before: list[tuple[int, str, str]], files: bool = True) -> None:
    """Every test recorded before the fault is still there, readable, unchanged; with
    ``files``, its program file too."""
    after = tests_of(out)
    assert after[: len(before)] == before
    for test_id, _, source in before if files else ():
        assert (out / "tests" / f"{test_id:06d}.py").read_text(encoding="utf-8") == source


def run_seconds(out: Path) -> float:
    """The campaign's time as its runs recorded it (each up to its last commit)."""
    conn = sqlite3.connect(out / "campaign.db")
    try:
        row = conn.execute("SELECT SUM(heartbeat_at - started_at) FROM runs").fetchone()
        return float(row[0])
    finally:
        conn.close()


@contextlib.contextmanager
def held(out: Path) -> Iterator[None]:
    """Another process holds the campaign in ``out`` (as a resume does while its workers
    start) for as long as the context lasts."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from fuel.store import CampaignStore\nstore = CampaignStore.open(Path(sys.argv[1]))\n"
         "print('open', flush=True)\ntime.sleep(120)", str(out)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        yield
    finally:
        holder.kill()
        holder.wait()


def stored_settings(out: Path) -> dict[str, object]:
    """The campaign's settings as its database keeps them."""
    conn = sqlite3.connect(out / "campaign.db")
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        return dict(json.loads(row[0]))
    finally:
        conn.close()


def count_tests(out: Path) -> int:
    try:
        conn = sqlite3.connect(out / "campaign.db", timeout=5)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM tests").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet
        return 0


def wait_for_tests(out: Path, count: int, process: subprocess.Popen[str]) -> None:
    """Until ``count`` tests are recorded in ``out`` (the process still running)."""
    deadline = time.monotonic() + 60
    while count_tests(out) < count:
        assert process.poll() is None, finish(process)
        assert time.monotonic() < deadline, f"{count} tests never came"
        time.sleep(0.02)


def stop(process: subprocess.Popen[str], signum: int) -> Ended:
    process.send_signal(signum)
    return finish(process)


def damage(db: Path, seed: int) -> None:
    """Random bytes over one page past the header (the first page keeps the schema)."""
    pages = db.stat().st_size // 4096
    assert pages >= 3, "too small a database to damage past its header"
    rng = random.Random(seed)
    with open(db, "r+b") as handle:
        handle.seek(4096 * rng.randrange(2, pages))
        handle.write(rng.randbytes(4096))


def digest(path: Path) -> bytes:
    return path.read_bytes()


# ---------------------------------------------------------------- disks
@contextlib.contextmanager
def undone(do: list[str], undo: list[str], needs: str) -> Iterator[None]:
    """``do`` for as long as the context lasts, then ``undo``; the test is skipped,
    saying what it ``needs``, where the system refuses ``do``."""
    done = subprocess.run(do, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"{do[0]} refused ({done.stderr.strip()}): {needs}")
    try:
        yield
    finally:
        subprocess.run(undo, capture_output=True)


@contextlib.contextmanager
def small_disk(where: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where``, for as long as the context lasts."""
    where.mkdir(parents=True, exist_ok=True)
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)]
    with undone(mount, ["umount", "-l", str(where)], "the disk faults need root"):
        yield where


def fill(disk: Path, leave_bytes: int = 0) -> Path:
    """Fill ``disk`` but ``leave_bytes``; the filler file, whose removal frees it."""
    filler = disk / "filler"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(filler, "wb") as handle, contextlib.suppress(OSError):
        handle.write(b"\0" * max(0, free - leave_bytes))
    return filler


def remount_read_only(disk: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True)


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[Path]:
    """``path`` made immutable (no write, no rename, no delete, even for root)."""
    with undone(["chattr", "+i", str(path)], ["chattr", "-i", str(path)],
                "needs root and a file system with attributes"):  # fmt: skip
        yield path


def unreadable(path: Path) -> tuple[str, ...]:
    """Make ``path`` unreadable to the command; the prefix to run the command with.

    As root, the command runs in a user namespace of its own (``unshare``), where
    ``path``'s owner is nobody it knows: then ``chmod 000`` holds for it."""
    path.chmod(0)
    if os.geteuid() != 0:
        return ()
    if shutil.which("unshare") is None:
        pytest.skip("no unshare: as root, a file is unreadable only from a user namespace")
    os.chown(path, NOBODY, NOBODY)
    prefix = ("unshare", "--user", "--map-root-user")
    probe = subprocess.run([*prefix, "cat", str(path)], capture_output=True)
    if probe.returncode == 0 or b"Permission denied" not in probe.stderr:
        pytest.skip(f"user namespaces unavailable here ({probe.stderr.decode().strip()})")
    return prefix


def descendants(pid: int) -> set[int]:
    """The live processes below ``pid`` (its workers, their zygote)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (not zombies)."""
    living = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                living.add(pid)
    return living


def wait_for_workers(process: subprocess.Popen[str]) -> None:
    """Until the command has started processes of its own (its pool)."""
    deadline = time.monotonic() + 120
    while not descendants(process.pid):
        assert process.poll() is None, finish(process)
        assert time.monotonic() < deadline, "no worker ever started"
        time.sleep(0.05)


SIGNALS = {"SIGINT": signal.SIGINT, "SIGKILL": signal.SIGKILL}
