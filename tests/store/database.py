"""Raw reads of a campaign's database, for tests that check what was stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

Rows = list[tuple[Any, ...]]


def rows(out: Path, query: str) -> Rows:
    """Every row ``query`` returns from ``OUT/campaign.db``."""
    conn = sqlite3.connect(out / "campaign.db")
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()
