"""Each test records its program's census; ``fuel status --json`` counts it per shape."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from fuel.cli.main import main
from fuel.execute.records import CoverageDelta
from fuel.judge.verdict import Outcome, Verdict
from fuel.program.record import Program
from fuel.store import CampaignStore, Environment, NewTest
from fuel.store.schema import SCHEMA_VERSION
from tests.store.database import rows

ENV = Environment("2.15.0", "3.11.7", "0.1.0", "Test CPU", "Linux")
RECIPES = (
    '{"motifs": ["out_variant", "int16"], "seed": 1}',
    '{"motifs": ["int16"], "seed": 2}',
    '{"seed": 3}',  # a recipe from before motifs
    "",  # a program without a recipe (a file, an LLM's)
)


def record(store: CampaignStore, n: int, recipe: str) -> None:
    program = Program(f"# program {n}\nimport torch\n", f"p{n}", n, ("add",), "builtin", recipe)
    verdict = Verdict(Outcome.PASS)
    novelty = store.novelty(verdict, CoverageDelta(()))
    store.record(NewTest(program, verdict, novelty, None, False, 1.0, 0.01))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    with CampaignStore.create(tmp_path / "c", {"generator": "builtin"}, ENV) as store:
        store.start_run(["fuel", "fuzz"])
        for n, recipe in enumerate(RECIPES):
            record(store, n, recipe)
    return tmp_path / "c"


def test_tests_store_their_census_and_the_summary_counts_tests_per_shape(out: Path) -> None:
    stored = [json.loads(r[0]) for r in rows(out, "SELECT motifs FROM tests ORDER BY id")]
    assert stored == [["out_variant", "int16"], ["int16"], [], []]
    with CampaignStore.read(out) as store:
        assert store.summary().motifs_used == {"int16": 2, "out_variant": 1}


def test_status_json_reports_motifs_used(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["motifs_used"] == {"int16": 2, "out_variant": 1}


def test_a_campaign_from_before_motifs_is_migrated_and_goes_on_counting(out: Path) -> None:
    conn = sqlite3.connect(out / "campaign.db")  # as the fuel of schema 6 left it
    with conn:
        conn.execute("ALTER TABLE tests DROP COLUMN motifs")
        conn.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    conn.close()
    with CampaignStore.open(out) as store:
        assert store.meta("schema_version") == str(SCHEMA_VERSION)
        assert store.summary().motifs_used == {}  # schema 6 recorded none
        store.start_run(["fuel", "fuzz", "--resume"])
        record(store, 9, RECIPES[0])
        assert store.summary().motifs_used == {"int16": 1, "out_variant": 1}
