"""The "Versions" section of a bug report: ``python -m torch.utils.collect_env``.

PyTorch's issue template asks for this output verbatim. It takes seconds (it shells
out to compilers, pip and lscpu), so it is collected once per interpreter and torch
version and cached on disk; every report of a campaign reuses it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from fuel.store.files import atomic_write

# collect_env shells out to pip, conda, compilers and lscpu; on a loaded machine that
# can take half a minute, and a report without versions is still a report.
COLLECT_ENV_TIMEOUT_S = 120.0
HEADER = "Collecting environment information..."


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fuel" / "collect_env"


def cache_key() -> str:
    """The interpreter and the torch it imports: what the output describes."""
    import torch

    identity = f"{sys.executable}|{torch.__version__}|{torch.__file__}"
    return hashlib.sha1(identity.encode()).hexdigest()[:16]


def collect_env(cache: Path | None = None) -> str:
    """The text of ``python -m torch.utils.collect_env``, from the cache when there."""
    path = (cache or cache_dir()) / f"{cache_key()}.txt"
    if path.exists():
        return path.read_text(encoding="utf-8")
    text = run_collect_env()
    if text:
        atomic_write(path, text)
    return text or "(python -m torch.utils.collect_env failed; run it and paste its output)"


def run_collect_env() -> str:
    try:
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-m", "torch.utils.collect_env"],
            capture_output=True,
            text=True,
            timeout=COLLECT_ENV_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if done.returncode != 0:
        return ""
    return done.stdout.replace(HEADER, "").strip() + "\n"
