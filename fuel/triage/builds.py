"""Every confirmed bug run on the other builds of torch fuel was given (``--also-on``).

A report about an old torch costs a maintainer time and earns nothing: PyTorch re-checks
reports with an automated version bisection and closes those already fixed between
releases. So each confirmed repro also runs in the interpreters named by ``--also-on
PYTHON`` (other virtual environments, other torch builds), in the same sandbox as every
repro (:func:`fuel.execute.script.run_script`), and the report gets a version table.

Of all the builds (this interpreter's and the others), the newest decides: a bug that
does not show there is *fixed in* that build and counted apart from new bugs; one that
shows there but not on an older build is a *regression*, which maintainers rank high.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from torch.torch_version import TorchVersion

from fuel.errors import UsageError
from fuel.execute.script import ScriptResult, run_script
from fuel.judge.verdict import Verdict
from fuel.report.repro import REPRO_ERROR
from fuel.store.bugdir import BuildCheck, BuildStatus
from fuel.triage.confirm import CONFIRM_TIMEOUT_S, shows_bug

# Asking an interpreter for its torch imports torch cold: seconds, more on a loaded
# machine; one that takes longer is not usable.
VERSION_TIMEOUT_S = 120.0
# torch must import there; the version is named as the store names this interpreter's
# (the package's metadata: 2.15.0 for PyPI's CUDA wheel, 2.13.0+cpu for the CPU one).
VERSION_CODE = "import torch; from importlib import metadata; print(metadata.version('torch'))"
# How a repro that failed for its own reason (not the bug's) looks where it did not
# say so itself (its harness exits REPRO_ERROR then): an import or an attribute of torch
# this build does not have, before the harness ran.
OWN_ERRORS = ("ModuleNotFoundError", "ImportError", "AttributeError: module 'torch",
              "SyntaxError")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Build:
    """Another interpreter and the torch it imports."""

    python: str
    torch: str


@dataclass(frozen=True, slots=True)
class Standing:
    """What the builds say of one bug."""

    fixed_in: str = ""  # the newest build, where the bug does not show there
    regression_since: str = ""  # the newest build and the older ones it does not show on

    @property
    def label(self) -> str:
        if self.fixed_in:
            return f"fixed in torch {self.fixed_in}"
        if self.regression_since:
            return f"regression: {self.regression_since}"
        return ""


@functools.cache
def build_of(python: str) -> Build:
    """The build behind ``python``; a one-line usage error where it has no torch."""
    path = Path(python).expanduser()
    if not path.is_file():
        raise UsageError(f"--also-on {python}: no such interpreter")
    try:
        done = subprocess.run(
            [str(path), "-c", VERSION_CODE],
            capture_output=True, text=True, timeout=VERSION_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(f"--also-on {python}: cannot run it ({error})") from None
    version = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0 or not version:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"--also-on {python}: cannot import torch there ({last})")
    return Build(str(path), version)


def builds_of(pythons: Sequence[str]) -> tuple[Build, ...]:
    return tuple(build_of(python) for python in pythons)


def check_builds(
    repro: str, verdict: Verdict, builds: Sequence[Build], timeout_s: float = CONFIRM_TIMEOUT_S
) -> tuple[BuildCheck, ...]:
    """The repro ``repro`` (confirmed here) run on each build."""
    with tempfile.TemporaryDirectory(prefix="fuel-builds-") as folder:
        path = Path(folder) / "repro.py"
        path.write_text(repro, encoding="utf-8")
        return tuple(
            check_of(build, run_script(path, timeout_s=timeout_s, python=build.python), verdict)
            for build in builds
        )


def check_of(build: Build, result: ScriptResult, verdict: Verdict) -> BuildCheck:
    status, detail = BuildStatus.ABSENT, ""
    own = own_error(result)
    crash = verdict.crash.exc_type.rsplit(".", 1)[-1] if verdict.crash else ""
    if own and not (crash and crash in own):  # an import error is not a value bug's exit 1
        status, detail = BuildStatus.CANNOT_RUN, own
    elif shows_bug(result, verdict):
        status = BuildStatus.SHOWS
    elif result.exit_code not in (0, None):
        detail = last_line(result.stderr) or f"exit {result.exit_code}"
    return BuildCheck(build.torch, build.python, status, result.exit_code,
                      round(result.seconds, 1), detail[:300])  # fmt: skip


def own_error(result: ScriptResult) -> str:
    """The repro's own failure on that build (not the bug's), or ""."""
    if result.exit_code in (0, None):
        return ""
    line = last_line(result.stderr) or last_line(result.stdout)
    if result.exit_code == REPRO_ERROR:
        return line or f"the repro could not check the bug (exit {REPRO_ERROR})"
    return line if line.startswith(OWN_ERRORS) else ""


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def standing(here: str, checks: Sequence[BuildCheck]) -> Standing:
    """Fixed in the newest build, a regression there, or neither. ``here`` is this
    interpreter's torch, on which the repro was confirmed (it shows)."""
    shown = {here: True}
    for check in checks:
        if check.status is not BuildStatus.CANNOT_RUN:
            shown[check.torch] = check.status is BuildStatus.SHOWS
    newest = max(shown, key=TorchVersion)
    if not shown[newest]:
        return Standing(fixed_in=newest)
    older = sorted((v for v, shows in shown.items() if not shows), key=TorchVersion)
    if older:
        return Standing(regression_since=f"shows on {newest}, not on {', '.join(older)}")
    return Standing()


def version_table(here: str, checks: Sequence[BuildCheck]) -> str:
    """One line: ``torch 2.15.0: shows · torch 2.13.0+cpu: shows``."""
    cells = [f"torch {here}: shows"]
    cells += [f"torch {c.torch}: {c.status.value}" for c in checks]
    return " · ".join(cells)
