"""``fuel`` with the toy generators registered: ``python -m tests.campaign.toy_cli fuzz
--generator toy ...`` runs a real campaign (real pool) without the built-in synthesizer."""

from __future__ import annotations

import sys

from fuel.cli.main import main
from tests.campaign.toy import register_toys

if __name__ == "__main__":
    register_toys()
    sys.exit(main())
