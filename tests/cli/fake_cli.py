"""``fuel`` in a process of its own, with the toy generators and the fake pool:
``python -m tests.cli.fake_cli fuzz --generator toy ...`` is the real command line
(its error lines, exit codes, signals and store) on a campaign that compiles nothing.
``FUEL_FAKE_DELAY_S`` slows each fake test down, so that a fault lands mid-campaign.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import Future

from fuel.campaign import session
from fuel.cli import fuzz
from fuel.cli.main import main
from fuel.execute.records import CompileOptions, RunResult
from fuel.program import ProgramSpec
from tests.campaign.toy import FakePool, fake_result, register_toys

DELAY_VARIABLE = "FUEL_FAKE_DELAY_S"


class DelayedPool(FakePool):
    """The fake pool, answering after a delay from a timer. The answer's callbacks judge
    it in the timer's thread, with torch, as the real pool's threads do; like those, the
    timers are waited for at exit: a daemon thread still inside torch while the
    interpreter tears down aborts the process ("terminate called without an active
    exception")."""

    def submit(
        self,
        spec: ProgramSpec,
        options: CompileOptions,
        timeout_s: float | None = None,
        coverage: bool = False,
    ) -> Future[RunResult]:
        self.submitted += 1
        future: Future[RunResult] = Future()
        future.set_running_or_notify_cancel()
        answer = fake_result(spec, coverage)
        threading.Timer(self.delay_s, future.set_result, (answer,)).start()
        return future


def use_fake_pool() -> None:
    """Toy generators, the fake pool, and no bug processors (they would compile)."""
    register_toys()
    delay_s = float(os.environ.get(DELAY_VARIABLE, "0"))
    session.warm_pool = lambda settings: DelayedPool(delay_s)
    fuzz.wiring = lambda *flags, **named: session.Wiring()


if __name__ == "__main__":
    use_fake_pool()
    sys.exit(main())
