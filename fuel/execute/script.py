"""Running a standalone script (a repro) in a fresh interpreter, inside the sandbox.

A repro must be shown to reproduce in a fresh interpreter before it is kept, and it
is derived from an untrusted program, so it runs like a worker: its own temporary
directory, a private network namespace where the kernel allows, Landlock (writes only
beneath that directory), resource limits, and the audit hook. Used as
``run_script(path)``; the child side is this module's main, which enters the sandbox
before it imports torch or numpy (both start threads, and Landlock confines only the
thread that asks, and what that thread starts).
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import fuel
from fuel.execute import sandbox

OUTPUT_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class ScriptResult:
    exit_code: int | None  # None when it timed out; negative: killed by that signal
    stdout: str
    stderr: str
    timed_out: bool
    seconds: float


def run_script(
    path: Path,
    *,
    timeout_s: float = 300.0,
    memory_mb: int = 4096,
    threads: int = 1,
    sandbox: bool = True,
    python: str | None = None,
) -> ScriptResult:
    """Run ``path`` as ``__main__`` in a fresh interpreter, sandboxed unless told not to.

    ``python``: another interpreter (another virtual environment, another torch); it
    needs only torch, as this module's child side imports nothing else of fuel's that
    needs more than the standard library."""
    root = Path(tempfile.mkdtemp(prefix="fuel-script-"))
    command = [
        python or sys.executable,
        "-m",
        "fuel.execute.script",
        "--root",
        str(root),
        "--memory-mb",
        str(memory_mb),
        "--threads",
        str(threads),
        *([] if sandbox else ["--no-sandbox"]),
        str(path.resolve()),
    ]
    env = dict(os.environ)
    package_parent = str(Path(fuel.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=root,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout_s)
        code: int | None = process.returncode
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        code, timed_out = None, True
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
    return ScriptResult(
        code,
        out[:OUTPUT_LIMIT].decode(errors="replace"),
        err[-OUTPUT_LIMIT:].decode(errors="replace"),
        timed_out,
        time.monotonic() - start,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="fuel-script")
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-sandbox", action="store_true")
    parser.add_argument("script", type=Path)
    args = parser.parse_args()
    script = args.script.read_text(encoding="utf-8")
    sandbox.prepare_environment(args.root, args.threads)
    sandbox.die_with_parent()
    if not args.no_sandbox:
        sandbox.isolate_network()
        sandbox.confine_files((args.root,))
    # The memory limit is on top of torch's own (its libraries' writable segments are
    # counted: about 0.9 GB for the CUDA build), as in a worker.
    import torch  # noqa: F401
    sandbox.limit_resources(args.memory_mb, sandbox.FILE_SIZE_LIMIT_MB)
    if not args.no_sandbox:
        sandbox.install_audit_hook(args.root)
    copy = args.root / args.script.name
    copy.write_text(script, encoding="utf-8")
    sys.argv = [str(copy)]
    runpy.run_path(str(copy), run_name="__main__")


if __name__ == "__main__":
    main()
