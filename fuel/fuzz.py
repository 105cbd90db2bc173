"""The seed project's entry point, kept working as documented::

    python fuel/fuzz.py --lib pytorch run_fuzz --max_round 1000 --heuristic SA --validate compiler

It is ``fuel fuzz`` under the old spelling: ``run_fuzz`` is dropped, ``--snake_case``
flags become ``--snake-case`` (``fuel fuzz`` knows ``--max_round`` and ``SA`` too).

Run as a script, Python puts this file's folder (``fuel/``) first on ``sys.path``,
where the package's own modules would shadow others; that entry is replaced by the
repository root. When the interpreter that runs it lacks fuel's dependencies (a
system ``python``), it re-executes itself with the repository's ``.venv/bin/python``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SUBCOMMAND = "run_fuzz"
NEEDED = ("torch", "click", "rich")


def fix_path() -> None:
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def reexec_in_venv(argv: list[str]) -> None:
    """Run again under the checkout's virtual environment if this Python lacks torch."""
    if all(importlib.util.find_spec(name) for name in NEEDED):
        return
    venv = ROOT / ".venv"
    venv_python = venv / "bin" / "python"
    # The venv's python is often a symlink to this very binary: what differs is the
    # prefix it starts with, so compare prefixes, not executables.
    if venv_python.exists() and Path(sys.prefix).resolve() != venv.resolve():
        os.execv(str(venv_python), [str(venv_python), str(Path(__file__).resolve()), *argv])
    missing = ", ".join(n for n in NEEDED if not importlib.util.find_spec(n))
    sys.stderr.write(f"fuel: error: {missing} not importable; run ./scripts/fuzz.sh once\n")
    sys.exit(2)


def translate(argv: list[str]) -> list[str]:
    """The seed project's arguments as ``fuel fuzz`` arguments."""
    translated = ["fuzz"]
    for token in argv:
        if token == SUBCOMMAND:
            continue
        if token.startswith("--"):
            name, sep, value = token.partition("=")
            token = name.replace("_", "-") + sep + value
        translated.append(token)
    return translated


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    fix_path()
    reexec_in_venv(arguments)
    from fuel.cli.main import main as fuel_main

    return fuel_main(translate(arguments))


if __name__ == "__main__":
    sys.exit(main())
