"""The store reads and writes campaigns without torch: ``fuel status`` must be quick."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_store_imports_no_torch() -> None:
    check = ("import sys, fuel.store\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))")  # fmt: skip
    found = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                           check=True, timeout=120)  # fmt: skip
    assert found.stdout.strip() == "[]", found.stdout  # "torch" not in sys.modules
