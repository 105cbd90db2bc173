"""A toy campaign in a process of its own, for tests that kill it: ``python -m
tests.campaign.run_toy OUT ROUNDS [--resume]`` (toy generator, fake pool)."""

from __future__ import annotations

import sys
from pathlib import Path

from fuel.campaign import session
from fuel.campaign.display import QuietDisplay
from fuel.campaign.settings import CampaignSettings
from tests.campaign.toy import FakePool, register_toys

DELAY_S = 0.01  # per fake job: slow enough that a kill lands mid-campaign


def main(argv: list[str]) -> int:
    out, rounds, resume = Path(argv[0]), int(argv[1]), "--resume" in argv
    register_toys()
    # no reduction of the toy's bugs: this process is killed anyway
    wiring = session.Wiring(pool_factory=lambda *_: FakePool(DELAY_S))
    if resume:
        finished = session.resume({"max_rounds": rounds}, out, QuietDisplay(), argv, wiring)
    else:
        settings = CampaignSettings(
            out=out, generator="toy", seed=3, max_rounds=rounds, jobs=2, mutate_share=0.4
        )
        finished = session.start(settings, QuietDisplay(), argv, wiring)
    print(finished.reason, finished.summary.tests)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
