"""Joining a cluster that is not there: one line, exit code 2, at once (Ray itself
would retry for many minutes)."""

from __future__ import annotations

import time

import pytest

from fuel.cli.main import main


def test_an_address_where_nothing_listens_is_one_line_and_exit_two(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # keep to the loopback
    start = time.monotonic()
    code = main(["fuzz", "--ray", "127.0.0.1:1", "--max-round", "1", "--generator", "toy"])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.strip() == (
        "fuel: error: --ray 127.0.0.1:1: nothing answers at 127.0.0.1:1 "
        "([Errno 111] Connection refused)"
    )
    assert time.monotonic() - start < 30
