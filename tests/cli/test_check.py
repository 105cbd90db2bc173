"""``fuel check`` end to end, as a user runs it (real compiles: slow)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.cli.faults import as_in_a_terminal

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
PROGRAMS = ROOT / "tests" / "programs"


def fuel(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fuel.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def test_examples_json_verdicts_and_exit_code() -> None:
    done = fuel("check", "--json", "-j", "2", *map(str, EXAMPLES))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == len(EXAMPLES)
    verdicts = {Path(r["file"]).name: r["verdict"] for r in rows}
    assert verdicts["valid_make_inputs.py"] == "pass"
    assert verdicts["valid_inputs_list.py"] == "pass"
    assert verdicts["valid_bare_tensors.py"] == "pass"
    assert verdicts["invalid_shapes.py"] == "invalid"
    assert verdicts["rejected_file_access.py"] == "rejected"
    for row in rows:
        assert {"file", "verdict", "kind", "signature", "detail"} <= row.keys()


def test_bug_gives_exit_code_one_and_bisect_names_the_first_backend() -> None:
    done = fuel("check", "--bisect", str(PROGRAMS / "compile_differs.py"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BUG" in done.stdout and "numeric_mismatch" in done.stdout
    assert "(first on eager)" in done.stdout


@pytest.mark.parametrize(
    "args,words",
    [
        (("check", "no/such/file.py"), "does not exist"),
        (("check", "--backend", "tvm", "x.py"), "--backend"),
        (("check", "--timeout", "-3", str(EXAMPLES[0])), "--timeout"),
        (("check",), "Missing argument"),
        (("check", "--no-such-flag", str(EXAMPLES[0])), "No such option"),
    ],
)
def test_usage_errors_are_one_line_and_exit_two(args: tuple[str, ...], words: str) -> None:
    done = fuel(*args, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
    assert "Traceback" not in done.stderr


def test_cuda_without_gpu_is_a_clear_usage_error() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: test_cuda_checks_the_examples_on_the_gpu runs instead")
    done = fuel("check", "--device", "cuda", str(EXAMPLES[0]), timeout=60)
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == "fuel: error: --device cuda needs a CUDA GPU, and none is available here"
    )


@pytest.mark.gpu
def test_cuda_checks_the_examples_on_the_gpu() -> None:
    done = fuel("check", "--json", "--device", "cuda", "-j", "1", *map(str, EXAMPLES))
    assert done.returncode == 0, done.stderr
    rows = {Path(r["file"]).name: r for r in map(json.loads, done.stdout.splitlines())}
    for name in ("valid_make_inputs.py", "valid_inputs_list.py", "valid_bare_tensors.py"):
        assert rows[name]["verdict"] == "pass", rows[name]
    assert rows["invalid_shapes.py"]["verdict"] == "invalid"


def worker_dirs(pid: int) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"fuel-worker-{pid}-*"))


def started_workers(pid: int) -> list[Path]:
    """The directories of the workers themselves (the zygote that forks them has one too)."""
    return [d for d in worker_dirs(pid) if "-zygote-" not in d.name]


def test_ctrl_c_stops_cleanly_with_no_leftovers() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fuel.cli.main",
            "check",
            "--timeout",
            "300",
            str(PROGRAMS / "infinite_loop.py"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=as_in_a_terminal,
    )
    deadline = time.monotonic() + 180  # a loaded machine starts a worker slowly
    while not started_workers(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert started_workers(process.pid), "no worker started"
    time.sleep(10)  # let the worker enter the endless loop
    workers = children(process.pid)
    assert workers
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert worker_dirs(process.pid) == []
    assert not any((Path("/proc") / str(pid)).exists() for pid in workers)


def children(pid: int) -> list[int]:
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _parent(int(p.name)) == pid
    ]


def _parent(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return -1


def test_help_lists_check() -> None:
    done = fuel("--help", timeout=60)
    assert done.returncode == 0
    assert "check" in done.stdout


def test_check_marks_a_bug_already_filed_upstream(tmp_path: Path) -> None:
    """pytorch#191499's int8 min: the class rule needs the layer, which --bisect gives."""
    rule = "class: numeric_mismatch|inductor|*[.ag]m[ai][nx]||*"
    rules = tmp_path / "rules.txt"
    rules.write_text(f"{rule}\n")
    program = str(ROOT / "bench" / "bugs" / "min_int8.py")
    done = fuel("check", program, "--bisect", "--json", "--known-issues", str(rules))
    assert done.returncode == 1, done.stderr
    line = json.loads(done.stdout.splitlines()[-1])
    assert line["kind"] == "numeric_mismatch" and line["known"] in ("known #191499", rule)
    unbisected = json.loads(fuel("check", program, "--json").stdout.splitlines()[-1])
    assert unbisected["known"] is None  # no layer without --bisect: the class rule cannot say
