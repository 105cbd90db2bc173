"""The command line's own entry: what happens before any command runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fuel.cli import exits, main


def test_ctrl_c_while_the_commands_import_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commands' modules import inside the run's handling: Ctrl-C there (a loaded
    machine takes seconds) is "fuel: interrupted", not a traceback."""

    def interrupted_import(group: object) -> None:
        raise KeyboardInterrupt

    main.full_cli.cache_clear()
    monkeypatch.setattr(main, "register_commands", interrupted_import)
    try:
        assert main.main(["status", "--help"]) == exits.INTERRUPTED
    finally:
        main.full_cli.cache_clear()
    assert capsys.readouterr().err == "fuel: interrupted\n"


def test_importing_the_entry_imports_no_command() -> None:
    code = "import sys, fuel.cli.main; print('fuel.cli.fuzz' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
