"""``fuel`` in a process of its own, with the toy generators and the fake pool:
``python -m tests.cli.fake_cli fuzz --generator toy ...`` is the real command line
(its error lines, exit codes, signals and store) on a campaign that compiles nothing.
``FUEL_FAKE_DELAY_S`` slows each fake test down, so that a fault lands mid-campaign.
"""

from __future__ import annotations

import os
import sys

from fuel.campaign import session
from fuel.cli import fuzz
from fuel.cli.main import main
from tests.campaign.toy import FakePool, register_toys

DELAY_VARIABLE = "FUEL_FAKE_DELAY_S"


def use_fake_pool() -> None:
    """Toy generators, the fake pool, and no bug processors (they would compile)."""
    register_toys()
    delay_s = float(os.environ.get(DELAY_VARIABLE, "0"))
    session.warm_pool = lambda settings: FakePool(delay_s)  # type: ignore[assignment]
    fuzz.wiring = lambda *flags, **named: session.Wiring()  # type: ignore[assignment]


if __name__ == "__main__":
    use_fake_pool()
    sys.exit(main())
