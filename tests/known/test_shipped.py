"""The known issues fuel ships: each rule matches the class fuel derived for a program
showing that upstream bug, and not the classes next to it.

The programs and their classes live in tests/fixtures/known/ (classes.yaml says how each
class was derived). The fast tests hold the rules to those recorded classes; the slow one
derives the class again with fuel's real triage on the installed torch, so a torch that
fixes a bug, or words it differently, makes the shipped list fail here, not silently.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from fuel import serial
from fuel.check import Checker
from fuel.execute.records import CompileOptions
from fuel.judge.signature import PLUMBING, RootCause
from fuel.program.syntax import forward_operators
from fuel.store.known import KnownIssues, installed_torch, shipped_known_issues, shipped_rules
from fuel.triage.pipeline import BugSource, ReduceSettings, process_bug

FIXTURES = Path(__file__).parents[1] / "fixtures" / "known"
SHIPPED_FILE = "torch-2.13.yaml"
RECORDS: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "classes.yaml").read_text())
SHIPPED_DATA: dict[str, Any] = yaml.safe_load(
    resources.files("fuel.known").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
)
RULE_KEYS = ("class", "message", "signature")


def shipped() -> KnownIssues:
    return KnownIssues(tuple(shipped_rules(SHIPPED_DATA, SHIPPED_FILE, "2.13.0")))


def cause_of(record: dict[str, Any]) -> RootCause:
    return serial.from_data(RootCause, record["root_cause"])


def record_id(record: dict[str, Any]) -> str:
    return f"{record['issue']}-{record['program'].removesuffix('.py')}"


def test_every_entry_names_an_issue_a_title_torch_2_13_and_one_class_rule() -> None:
    entries = SHIPPED_DATA["issues"]
    assert entries, "the shipped list is empty"
    for entry in entries:
        assert isinstance(entry["issue"], int) and entry["issue"] > 0, entry
        assert entry["title"].strip(), entry
        assert entry["affects"] == ["2.13"], entry
        assert [key for key in RULE_KEYS if key in entry] == ["class"], entry
    assert len(shipped().rules) == len(entries)


def test_the_rules_apply_to_torch_2_13_only() -> None:
    issues = {f"known #{entry['issue']}" for entry in SHIPPED_DATA["issues"]}
    assert {rule.text for rule in shipped_known_issues("2.13.0").rules} >= issues
    assert not {rule.text for rule in shipped_known_issues("2.12.1").rules} & issues


def test_every_entry_is_verified_by_a_recorded_program() -> None:
    assert {r["issue"] for r in RECORDS} == {e["issue"] for e in SHIPPED_DATA["issues"]}
    for record in RECORDS:
        assert (FIXTURES / record["program"]).is_file(), record["program"]


@pytest.mark.parametrize("record", RECORDS, ids=record_id)
def test_the_recorded_class_is_the_program_s_own(record: dict[str, Any]) -> None:
    """The class's operators are what the program's forward calls (plumbing aside), so
    the recorded class cannot drift from the program kept beside it."""
    source = (FIXTURES / record["program"]).read_text()
    operators = sorted({op for op in forward_operators(source) if op not in PLUMBING})
    assert list(cause_of(record).operators) == operators


@pytest.mark.parametrize("record", RECORDS, ids=record_id)
def test_the_rule_matches_the_class_fuel_derived(record: dict[str, Any]) -> None:
    cause = cause_of(record)
    assert shipped().match_class(cause) == f"known #{record['issue']}", cause.text


@pytest.mark.parametrize("record", RECORDS, ids=record_id)
def test_the_rule_matches_the_class_when_it_needs_settings(record: dict[str, Any]) -> None:
    cause = replace(cause_of(record), settings=("dynamic=True",))
    assert shipped().match_class(cause) == f"known #{record['issue']}", cause.text


@pytest.mark.parametrize("record", RECORDS, ids=record_id)
def test_no_rule_matches_a_neighbouring_class(record: dict[str, Any]) -> None:
    assert record["neighbours"], "each record names the classes next to it"
    for change in record["neighbours"]:
        neighbour = serial.from_data(RootCause, {**record["root_cause"], **change})
        assert shipped().match_class(neighbour) is None, neighbour.text


# Cheap ones: one statement each, already minimal, so a short reduction keeps them as
# they are and the time goes to the ablation's handful of compiles.
TRIAGED = ["any_uint8.py", "amin_uint8.py"]
REDUCE_S = 5.0


@pytest.mark.slow
@pytest.mark.parametrize("program", TRIAGED)
def test_fuel_s_triage_still_derives_a_shipped_class(program: str, pool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (record,) = [r for r in RECORDS if r["program"] == program]
    source = (FIXTURES / program).read_text()
    bug = BugSource(source, program, CompileOptions())
    settings = ReduceSettings(time_limit_s=REDUCE_S, confirm=False, versions=lambda: "")
    done = process_bug(bug, Checker(pool, CompileOptions()), tmp_path, settings)
    torch = installed_torch()
    assert done.reduction.reproduced, (
        f"{program} no longer shows pytorch#{record['issue']} on torch {torch}: "
        f"review the shipped entry ({done.reduction.reason.value})"
    )
    cause = done.report.root_cause
    assert cause is not None
    assert cause == cause_of(record), f"torch {torch} derives another class: {cause.text}"
    found = shipped_known_issues(torch).match_class(cause)
    assert found == f"known #{record['issue']}", f"no shipped rule for torch {torch}"
