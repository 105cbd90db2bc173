"""The kernel, not Python, enforces the worker's boundary: each test confines a fresh
child process with Landlock and has it try, by native means too, to get out."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fuel.execute import landlock

try:
    ABI = landlock.abi_version()
except landlock.LandlockUnavailable:
    ABI = 0

pytestmark = pytest.mark.skipif(ABI == 0, reason="this kernel has no Landlock")
ROOT = Path(__file__).parents[2]


def confined(root: Path, body: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``body`` in a child confined to write only beneath ``root``."""
    script = textwrap.dedent(
        f"""
        import ctypes, errno, os, socket, sys
        from pathlib import Path
        from fuel.execute import sandbox
        layer = sandbox.confine_files((Path({str(root)!r}),))
        assert layer and layer.startswith("landlock"), layer
        """
    ) + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT,
    )  # fmt: skip


def test_python_and_native_writes_outside_are_refused_inside_allowed(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    done = confined(
        root,
        f"""
        (Path({str(root)!r}) / "inside.txt").write_text("ok")
        try:
            open({str(outside / "py.txt")!r}, "w")
            print("python write allowed")
        except PermissionError:
            print("python write refused")
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.open({str(outside / "native.txt").encode()!r}, os.O_CREAT | os.O_WRONLY, 0o600)
        print("native write", "refused" if fd < 0 and ctypes.get_errno() == errno.EACCES else fd)
        pid = os.fork()
        if pid == 0:
            try:
                open({str(outside / "child.txt")!r}, "w")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        """,
    )
    assert done.returncode == 0, done.stderr
    assert "python write refused" in done.stdout
    assert "native write refused" in done.stdout
    assert (root / "inside.txt").read_text() == "ok"
    assert list(outside.iterdir()) == []


def test_reads_are_limited_to_the_system_and_python(tmp_path: Path) -> None:
    private = tmp_path / "private.txt"
    private.write_text("secret")
    root = tmp_path / "root"
    root.mkdir()
    done = confined(
        root,
        f"""
        print(len(Path(os.__file__).read_text()) > 0)  # Python's own library
        try:
            Path({str(private)!r}).read_text()
            print("read allowed")
        except PermissionError:
            print("read refused")
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "read", "refused"]


@pytest.mark.skipif(ABI < 4, reason="TCP rules need Landlock ABI 4")
def test_tcp_connect_and_bind_are_refused_and_the_listener_sees_nothing(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    done = confined(
        tmp_path,
        f"""
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", {port}))
            print("connect allowed")
        except PermissionError:
            print("connect refused")
        b = socket.socket()
        try:
            b.bind(("127.0.0.1", 0))
            print("bind allowed")
        except PermissionError:
            print("bind refused")
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["connect", "refused", "bind", "refused"]
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


@pytest.mark.skipif(ABI < 6, reason="signal scoping needs Landlock ABI 6")
def test_signals_to_processes_outside_are_refused(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        done = confined(
            tmp_path,
            f"""
            try:
                os.kill({sleeper.pid}, 9)
                print("kill allowed")
            except PermissionError:
                print("kill refused")
            """,
        )
        assert done.stdout.split() == ["kill", "refused"], done.stderr
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_torch_from_file_cannot_create_a_file_outside(tmp_path: Path) -> None:
    root, target = tmp_path / "root", tmp_path / "escape.bin"
    root.mkdir()
    done = confined(
        root,
        f"""
        import torch
        try:
            torch.from_file({str(target)!r}, shared=True, size=16)
            print("mapped")
        except RuntimeError as exc:
            print("refused", "Permission denied" in str(exc))
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused", "True"]
    assert not target.exists()
