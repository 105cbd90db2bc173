"""Worker time by use, and the gate that keeps reduction to its share (no workers)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future

import pytest

from fuel.check.share import (
    CONFIRMING,
    FUZZING,
    MAX_REDUCTION_SHARE,
    REDUCING,
    Metered,
    ShareGate,
    WorkerTime,
    pause_after,
)
from fuel.execute.records import CompileOptions, ExitStatus, RunResult
from fuel.program import ProgramSpec, load_source

SPEC = load_source(
    "import torch\n\n\nclass Model(torch.nn.Module):\n    def forward(self, x):\n"
    "        return x + 1\n\n\ndef make_inputs():\n    return (torch.ones(2),)\n",
    "p",
)


class Timed:
    """A runner whose runs answer at once, each saying it took ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started: list[float] = []

    def run(
        self, spec: ProgramSpec, options: CompileOptions, timeout_s: float | None = None
    ) -> RunResult:
        self.started.append(time.monotonic())
        return RunResult(ExitStatus.COMPLETED, seconds=self.seconds)

    def submit(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> Future[RunResult]:
        future: Future[RunResult] = Future()
        future.set_result(self.run(spec, options, timeout_s))
        return future


def test_the_pause_gives_reduction_its_share_of_the_workers() -> None:
    for workers in (1, 2, 3, 8):
        for seconds in (0.5, 4.0, 60.0):
            pause = pause_after(seconds, workers)
            share = seconds / (workers * (seconds + pause))
            assert share <= MAX_REDUCTION_SHARE + 1e-9
            if pause > 0:  # no longer a pause than the share needs
                assert share == pytest.approx(MAX_REDUCTION_SHARE)
    assert pause_after(3.0, 1) == pytest.approx(6.0)  # one worker: fuzz twice as long
    assert pause_after(3.0, 3) == 0.0  # one bug thread holds one worker of three


def test_the_gate_paces_reduction_and_its_clock_skips_the_pauses() -> None:
    meter, runner = WorkerTime(), Timed(0.1)
    gate = ShareGate(runner, meter, workers=1)
    start_wall, start_clock = time.monotonic(), gate.clock()
    for _ in range(3):
        gate.run(SPEC, CompileOptions())
    gaps = [b - a for a, b in zip(runner.started, runner.started[1:], strict=False)]
    assert len(gaps) == 2
    assert all(gap >= pause_after(0.1, 1) - 0.01 for gap in gaps)
    assert meter.seconds(REDUCING) == pytest.approx(0.3) and meter.seconds(FUZZING) == 0.0
    waited = (time.monotonic() - start_wall) - (gate.clock() - start_clock)
    assert waited >= 2 * pause_after(0.1, 1) - 0.02


def test_an_opened_gate_no_longer_waits_and_wakes_a_waiting_run() -> None:
    gate = ShareGate(Timed(30.0), WorkerTime(), workers=1)
    gate.run(SPEC, CompileOptions())  # the next would wait a minute
    waiting = threading.Thread(target=gate.run, args=(SPEC, CompileOptions()))
    start = time.monotonic()
    waiting.start()
    time.sleep(0.1)
    gate.open()
    waiting.join(5.0)
    assert not waiting.is_alive() and time.monotonic() - start < 5.0
    start = time.monotonic()
    gate.run(SPEC, CompileOptions())
    assert time.monotonic() - start < 1.0


def test_metered_counts_submitted_and_run_seconds_under_its_use() -> None:
    meter = WorkerTime()
    fuzzing = Metered(Timed(0.25), meter)
    fuzzing.submit(SPEC, CompileOptions()).result()
    fuzzing.run(SPEC, CompileOptions())
    assert meter.seconds(FUZZING) == pytest.approx(0.5) and meter.seconds(REDUCING) == 0.0


def test_work_beside_the_pool_is_paced_as_reduction_and_counted_apart() -> None:
    meter, runner = WorkerTime(), Timed(0.1)
    gate = ShareGate(runner, meter, workers=1)
    held: list[float] = []

    def fresh_interpreter() -> str:  # what a repro's confirmation holds: a core, 0.1 s
        held.append(time.monotonic())
        time.sleep(0.1)
        return "reproduced"

    assert gate.hold(fresh_interpreter) == "reproduced"
    gate.run(SPEC, CompileOptions())
    assert runner.started[0] - held[0] >= 0.1 + pause_after(0.1, 1) - 0.01
    assert gate.hold(fresh_interpreter) == "reproduced"
    assert held[1] - runner.started[0] >= pause_after(0.1, 1) - 0.01
    assert meter.seconds(CONFIRMING) == pytest.approx(0.2, abs=0.05)
    assert meter.seconds(REDUCING) == pytest.approx(0.1)  # the pool's run alone
