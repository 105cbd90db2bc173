"""``fuel fuzz`` and the seed project's ``fuel/fuzz.py`` as users run them.

Most tests run the command in-process on the toy generator and the fake pool; the two
marked slow run real campaigns through real sandboxed workers.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from fuel.campaign import session
from fuel.cli import fuzz as fuzz_command
from fuel.cli.main import main
from fuel.execute.records import CompileOptions, RunResult
from fuel.fuzz import translate
from fuel.program import ProgramSpec
from tests.campaign.toy import FakePool, register_toys

ROOT = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def fake_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Toy generators, a fake pool, and no bug processors (reduction would run)."""
    register_toys()
    monkeypatch.setattr(session, "warm_pool", lambda settings: FakePool())
    monkeypatch.setattr(fuzz_command, "wiring", lambda *flags: session.Wiring())


def usage_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fuel: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    "args,words",
    [
        (("--lib", "tensorflow"), "--lib tensorflow: not supported yet"),
        (("--time", "soon"), "--time 'soon': expected a duration"),
        (("--max-round", "0"), "--max-round"),
        (("--heuristic", "annealing", "--generator", "toy"), "unknown heuristic 'annealing'"),
        (("--generator", "nope"), "unknown generator 'nope'"),
        (("--backend", "tvm"), "--backend"),
        (("--resume", "."), "holds no campaign"),
        (("--workers-per-node", "2"), "--workers-per-node places workers on a Ray cluster"),
        (("--ray", "auto", "-j", "2"), "-j and --ray exclude each other"),
        (("--workers-per-node", "0", "--ray", "auto"), "--workers-per-node"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_two(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    out = () if "--resume" in args else ("--out", str(tmp_path / "c"))
    line = usage_error(capsys, "fuzz", *out, *args)
    assert words in line
    assert not (tmp_path / "c").exists()


def test_device_validation_needs_a_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: test_device_validation_runs_on_the_gpu runs instead")
    line = usage_error(capsys, "fuzz", "--validate", "device", "--max-round", "1")
    assert "--validate device compares the CPU with a CUDA GPU" in line


@pytest.mark.gpu
@pytest.mark.slow
def test_device_validation_runs_on_the_gpu(tmp_path: Path) -> None:
    """CPU eager against CUDA eager, on real workers, for a few toy programs."""
    out = tmp_path / "c"
    done = subprocess.run(
        [sys.executable, "-m", "tests.campaign.toy_cli", "fuzz", "--generator", "toy",
         "--validate", "device", "--max-round", "4", "--out", str(out), "-j", "1",
         "--no-coverage", "--no-reduce", "-q"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "tests          4 " in done.stdout
    conn = sqlite3.connect(out / "campaign.db")
    try:
        stored = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'settings'")
                            .fetchone()[0])  # fmt: skip
    finally:
        conn.close()
    assert stored["options"]["device"] == "cuda" and stored["options"]["validate"] == "device"


def test_log_mode_prints_a_line_per_test_and_the_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "c"
    code = main(
        [
            "fuzz",
            "--generator",
            "toy",
            "--max-round",
            "12",
            "--out",
            str(out),
            "--seed",
            "4",
            "--log",
            "-j",
            "2",
        ]
    )
    stdout = capsys.readouterr().out
    assert code == 0
    assert sum(line.startswith("#") for line in stdout.splitlines()) == 12
    assert "tests          12" in stdout and "stopped        round limit" in stdout
    assert f"campaign in {out} (seed 4)" in stdout


def test_quiet_prints_only_the_summary_and_resume_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = str(tmp_path / "c")
    assert main(["fuzz", "--generator", "toy", "--max-round", "5", "--out", out, "-q"]) == 0
    first = capsys.readouterr().out
    assert first.splitlines()[0].startswith("campaign ") and "#" not in first
    assert "coverage sampled" in first  # the default policy, shown in the summary
    resumed = ["fuzz", "--resume", out, "--max-round", "9", "-q", "--coverage-policy", "new"]
    assert main(resumed) == 0
    again = capsys.readouterr().out
    assert "tests          9 " in again and "coverage new" in again  # a resume may change it
    line = usage_error(capsys, "fuzz", "--resume", out, "--heuristic", "random")
    assert "--heuristic cannot change on --resume" in line
    line = usage_error(capsys, "fuzz", "--resume", out, "--out", out)
    assert "--out and --resume exclude each other" in line


def test_known_issues_are_counted_not_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = tmp_path / "known.txt"
    rules.write_text("# reported upstream already\nmessage: boom went wrong\n")
    out = tmp_path / "c"
    argv = ["fuzz", "--generator", "toy", "--max-round", "60", "--out", str(out), "-q",
            "--target", "compile"]  # one target: under export the toy's fizz is another class
    assert main([*argv, "--known-issues", str(rules), "--seed", "2"]) == 0
    capsys.readouterr()
    assert main(["status", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["bugs_known"] > 0 and summary["bugs_unique"] == 1  # fizz only
    [directory] = (out / "bugs").iterdir()
    assert "fizz went wrong" in (directory / "verdict.json").read_text()
    assert "known issues (not reported again)" in (out / "bug_reports.txt").read_text()


class InterruptingPool(FakePool):
    """Ctrl-C arrives while the campaign waits on its fifth program."""

    def submit(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> Future[RunResult]:
        if self.submitted == 4:
            raise KeyboardInterrupt
        return super().submit(spec, options, timeout_s, coverage)


def test_ctrl_c_stops_cleanly_with_the_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "warm_pool", lambda settings: InterruptingPool())
    out = tmp_path / "c"
    code = main(["fuzz", "--generator", "toy", "--out", str(out), "-q", "-j", "1"])
    captured = capsys.readouterr()
    assert code == 130 and "stopped        interrupted" in captured.out
    assert captured.err == (f"fuel: interrupted: every test recorded is kept; go on with "
                            f"`fuel fuzz --resume {out}`\n")  # fmt: skip
    conn = sqlite3.connect(out / "campaign.db")
    assert conn.execute("SELECT stop_reason FROM runs").fetchall() == [("interrupted",)]
    conn.close()


def test_seed_arguments_translate_to_fuel_fuzz() -> None:
    seed_form = [
        "--lib",
        "pytorch",
        "run_fuzz",
        "--max_round",
        "1000",
        "--heuristic",
        "SA",
        "--validate",
        "compiler",
    ]
    assert translate(seed_form) == [
        "fuzz",
        "--lib",
        "pytorch",
        "--max-round",
        "1000",
        "--heuristic",
        "SA",
        "--validate",
        "compiler",
    ]
    assert translate(["run_fuzz", "--known_issues=a_b.txt"]) == ["fuzz", "--known-issues=a_b.txt"]


def run_script(
    *args: str, python: str = sys.executable, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "fuel/fuzz.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_seed_script_answers_other_libraries_with_exit_two() -> None:
    done = run_script("--lib", "tensorflow", "run_fuzz", "--max_round", "10")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "fuel: error: --lib tensorflow: not supported yet (fuel fuzzes pytorch only)"
    )


def test_seed_script_moves_to_the_venv_when_python_lacks_torch() -> None:
    base = getattr(sys, "_base_executable", "")
    probe = subprocess.run([base, "-c", "import torch"], capture_output=True) if base else None
    if probe is None or probe.returncode == 0:
        pytest.skip("no interpreter without torch to start from")
    done = run_script("--lib", "tensorflow", "run_fuzz", python=base)
    assert done.returncode == 2 and "not supported yet" in done.stderr


def fuel_toy(*args: str) -> subprocess.Popen[str]:
    """The real CLI (real pool) with the toy generators registered."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.campaign.toy_cli", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_real_campaign_with_coverage_survives_kill_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "c"
    first = fuel_toy(
        "fuzz",
        "--generator",
        "toy",
        "--max-round",
        "30",
        "-j",
        "1",
        "--out",
        str(out),
        "--seed",
        "5",
        "--log",
        "--no-reduce",
    )
    deadline = time.monotonic() + 300
    while recorded(out) < 2:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = recorded(out)
    second = fuel_toy("fuzz", "--resume", str(out), "--max-round", str(killed_at + 1), "--log")
    _, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr
    summary = json.loads(
        subprocess.run(
            [sys.executable, "-m", "fuel.cli.main", "status", str(out), "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert summary["tests"] == killed_at + 1 and summary["runs"] == 2
    assert summary["covered_lines"] > 1000  # the compiler's lines, measured in the workers
    assert (
        summary["valid"] >= 1
        and summary["tests"] == summary["valid"] + summary["invalid"] + summary["rejected"]
    )


def recorded(out: Path) -> int:
    if not (out / "campaign.db").exists():
        return 0
    conn = sqlite3.connect(out / "campaign.db")
    try:
        return int(conn.execute("SELECT COUNT(*) FROM tests").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


@pytest.mark.slow
def test_seed_invocation_runs_a_campaign_on_the_builtin_generator(tmp_path: Path) -> None:
    from fuel.generate import registry

    if "builtin" not in registry.names():
        pytest.skip("the built-in generator is not in this checkout yet")
    out = tmp_path / "seed"
    done = run_script(
        "--lib",
        "pytorch",
        "run_fuzz",
        "--max_round",
        "2",
        "--heuristic",
        "SA",
        "--validate",
        "compiler",
        "--out",
        str(out),
        "-j",
        "1",
    )
    assert done.returncode == 0, done.stderr
    assert "tests          2 " in done.stdout and (out / "campaign.db").exists()


def test_llm_flags_become_the_llm_generator_settings() -> None:
    from fuel.cli.fuzz import generator_options
    from fuel.llm.settings import LLMSettings

    assert generator_options({}) == ()
    extra = generator_options({"llm_gen_model": "m", "llm_budget_usd": 0.5, "llm_no_cache": True})
    assert extra == (LLMSettings(gen_model="m", budget_usd=0.5, cache=False),)


def test_no_motifs_turns_the_builtin_generators_motifs_off() -> None:
    from fuel.cli.fuzz import generator_options
    from fuel.generate.builtin import BuiltinGenerator, BuiltinSettings
    from fuel.generate.registry import GeneratorSettings, create

    extra = generator_options({"no_motifs": True})
    assert extra == (BuiltinSettings(motifs=False),)
    assert generator_options({"no_motifs": False}) == ()
    walk = create("builtin", GeneratorSettings(0, extra))
    default = create("builtin", GeneratorSettings(0))
    assert isinstance(walk, BuiltinGenerator) and isinstance(default, BuiltinGenerator)
    assert not walk.use_motifs and default.use_motifs
