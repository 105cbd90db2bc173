"""A repro script runs in the same sandbox as a worker: a native write outside its
directory changes nothing, and --no-sandbox really runs it without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuel.execute import landlock
from fuel.execute.script import run_script

SCRIPT = """
import torch
try:
    torch.from_file({target!r}, shared=True, size=16).fill_(1)
    print("written")
except RuntimeError as exc:
    print("refused:", "Permission denied" in str(exc))
"""


def has_landlock() -> bool:
    try:
        return landlock.abi_version() > 0
    except landlock.LandlockUnavailable:
        return False


@pytest.mark.skipif(not has_landlock(), reason="this kernel has no Landlock")
def test_a_native_write_outside_is_refused_by_the_kernel(tmp_path: Path) -> None:
    target = tmp_path / "escape.bin"
    script = tmp_path / "repro.py"
    script.write_text(SCRIPT.format(target=str(target)))
    done = run_script(script, timeout_s=120)
    assert done.exit_code == 0, done.stderr
    assert done.stdout.split() == ["refused:", "True"]
    assert not target.exists()


def test_without_the_sandbox_the_script_runs_unconfined(tmp_path: Path) -> None:
    target = tmp_path / "allowed.bin"
    script = tmp_path / "repro.py"
    script.write_text(SCRIPT.format(target=str(target)))
    done = run_script(script, timeout_s=120, sandbox=False)
    assert done.exit_code == 0, done.stderr
    assert done.stdout.split() == ["written"]
    assert target.stat().st_size == 16 * 4
