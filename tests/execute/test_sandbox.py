"""The sandbox's pure parts: the environment workers get, and how kernel refusals read."""

from __future__ import annotations

import pytest

from fuel.execute.records import Failure
from fuel.execute.sandbox import kernel_refusal, read_roots, without_secrets


def test_secrets_are_dropped_and_the_rest_kept() -> None:
    env = {
        "OPENAI_API_KEY": "k", "HF_TOKEN": "t", "AWS_SECRET_ACCESS_KEY": "s",
        "SSH_AUTH_SOCK": "/run/agent", "DB_PASSWORD": "p", "GITHUB_PAT": "x",
        "PATH": "/usr/bin", "HOME": "/root", "TORCHINDUCTOR_FREEZING": "1", "LANG": "C",
        "KEYBOARD": "us",
    }  # fmt: skip
    assert sorted(without_secrets(env)) == [
        "HOME", "KEYBOARD", "LANG", "PATH", "TORCHINDUCTOR_FREEZING"
    ]  # fmt: skip


def test_permission_errors_read_as_the_sandbox_refusing() -> None:
    inner = Failure("OSError", "[Errno 13] Permission denied: '/x'", ())
    outer = Failure("RuntimeError", "wrapped", (), cause=inner)
    assert kernel_refusal(outer) == "sandbox refused (Landlock): [Errno 13] Permission denied: '/x'"
    assert kernel_refusal(Failure("ValueError", "shapes do not match", ())) is None
    assert kernel_refusal(None) is None


def test_reads_include_python_but_not_temporary_files() -> None:
    import os
    import sys

    roots = {str(r) for r in read_roots()}
    assert os.path.realpath(sys.base_prefix) in roots
    assert "/tmp" not in roots


def test_a_kernel_without_landlock_is_named_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fuel.execute import landlock, sandbox

    def missing() -> int:
        raise landlock.LandlockUnavailable("the kernel has no usable Landlock (disabled at boot)")

    monkeypatch.setattr(landlock, "abi_version", missing)
    monkeypatch.setattr(sandbox, "_landlock_note_shown", False)
    sandbox.note_missing_landlock()
    sandbox.note_missing_landlock()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "disabled at boot" in lines[0] and "audit hook" in lines[0]
