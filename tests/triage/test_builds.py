"""Every confirmed bug checked on the other builds of torch (``--also-on``): real
interpreters, the second one the torch 2.13.0 environment scripts/test.sh sets up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fuel.errors import UsageError
from fuel.execute.script import ScriptResult
from fuel.judge.verdict import Kind, Outcome, Verdict
from fuel.store.bugdir import BugFiles, BuildCheck, BuildStatus
from fuel.store.known import installed_torch
from fuel.triage.builds import Build, build_of, check_of, standing, version_table

ROOT = Path(__file__).parents[2]
OTHER = os.environ.get("FUEL_OTHER_PYTHON", str(ROOT / ".venv-torch-2.13.0" / "bin" / "python"))
FIXTURES = ROOT / "tests" / "fixtures"


def check(torch: str, status: BuildStatus) -> BuildCheck:
    return BuildCheck(torch, f"/envs/{torch}/bin/python", status, 1, 3.0)


def test_a_bug_absent_from_the_newest_build_is_fixed_there() -> None:
    found = standing("2.13.0+cpu", [check("2.15.0", BuildStatus.ABSENT)])
    assert (found.fixed_in, found.regression_since) == ("2.15.0", "")
    assert found.label == "fixed in torch 2.15.0"


def test_a_bug_on_the_newest_build_but_not_an_older_one_is_a_regression() -> None:
    found = standing("2.15.0", [check("2.13.0+cpu", BuildStatus.ABSENT),
                                check("2.14.1", BuildStatus.SHOWS)])  # fmt: skip
    assert found.fixed_in == "" and found.regression_since == "shows on 2.15.0, not on 2.13.0+cpu"
    assert found.label.startswith("regression")


def test_a_bug_on_every_build_and_a_build_that_cannot_run_it_say_nothing() -> None:
    assert standing("2.15.0", [check("2.13.0+cpu", BuildStatus.SHOWS)]).label == ""
    assert standing("2.13.0", [check("2.15.0", BuildStatus.CANNOT_RUN)]).label == ""


def test_the_version_table_names_every_build() -> None:
    table = version_table("2.15.0", [check("2.13.0+cpu", BuildStatus.ABSENT)])
    assert table == "torch 2.15.0: shows · torch 2.13.0+cpu: does not show"


def test_a_repro_s_own_error_is_cannot_run_not_absent() -> None:
    verdict = Verdict(Outcome.BUG, kind=Kind.NUMERIC_MISMATCH)
    build = Build("/envs/old/bin/python", "2.9.0")
    own = ScriptResult(3, "", "repro error (not the bug): AttributeError: no such op\n", False, 2.0)
    missing = ScriptResult(1, "", "ImportError: cannot import name 'same'\n", False, 2.0)
    fixed = ScriptResult(0, "values agree\n", "", False, 2.0)
    assert check_of(build, own, verdict).status is BuildStatus.CANNOT_RUN
    assert check_of(build, missing, verdict).status is BuildStatus.CANNOT_RUN
    assert check_of(build, fixed, verdict).status is BuildStatus.ABSENT


def test_an_interpreter_without_torch_is_one_usage_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot import torch there"):
        build_of(sys.executable.replace(sys.executable, "/usr/bin/python3"))
    with pytest.raises(UsageError, match="no such interpreter"):
        build_of(str(tmp_path / "python"))


def other_build() -> Build:
    if not Path(OTHER).is_file():
        pytest.fail(f"{OTHER} is missing: scripts/test.sh sets up the torch 2.13.0 environment")
    return build_of(OTHER)


def reduce_with(
    python: str, program: Path, out: Path, also_on: str
) -> subprocess.CompletedProcess[str]:
    """``fuel reduce PROGRAM --also-on ALSO_ON`` run by ``python`` (fuel from this tree)."""
    command = [python, "-m", "fuel.cli.main", "reduce", str(program), "--out", str(out),
               "-j", "1", "--time-limit", "20", "--no-bisect", "--also-on", also_on]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip


@pytest.mark.slow
def test_a_bug_on_both_builds_gets_a_version_table(tmp_path: Path) -> None:
    """torch.any of uint8 returns bool under Inductor (pytorch#198081) on 2.13 and 2.15."""
    other = other_build()
    done = reduce_with(sys.executable, FIXTURES / "known" / "any_uint8.py", tmp_path, OTHER)
    assert done.returncode == 0, done.stdout + done.stderr
    files = BugFiles(tmp_path)
    reduction = files.read_reduction()
    assert reduction is not None and reduction.repro is not None and reduction.repro.reproduced
    assert [(b.torch, b.status) for b in reduction.builds] == [(other.torch, BuildStatus.SHOWS)]
    report = files.report.read_text(encoding="utf-8")
    assert f"| {installed_torch()} | shows |" in report
    assert f"| {other.torch} | shows |" in report
    assert "fixed in" not in reduction.title and "regression" not in reduction.title


@pytest.mark.slow
def test_a_bug_fixed_in_the_newer_build_is_labelled_fixed_there(tmp_path: Path) -> None:
    """floor_divide(x, inf) (pytorch#188048) shows on 2.13 and is fixed in 2.15: found by
    fuel running on 2.13, with this interpreter's newer torch given as --also-on."""
    other = other_build()
    here = installed_torch()
    program = FIXTURES / "builds" / "floor_divide_inf.py"
    done = reduce_with(other.python, program, tmp_path, sys.executable)
    assert done.returncode == 0, done.stdout + done.stderr
    reduction = BugFiles(tmp_path).read_reduction()
    assert reduction is not None
    assert [(b.torch, b.status) for b in reduction.builds] == [(here, BuildStatus.ABSENT)]
    assert reduction.title.endswith(f"(fixed in torch {here})"), reduction.title
    record = json.loads((tmp_path / "reduction.json").read_text())
    assert record["builds"][0]["status"] == BuildStatus.ABSENT.value
