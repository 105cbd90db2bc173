"""The known issues fuel ships: each rule matches the class fuel derived for a program
showing that upstream bug on its torch release, and not the classes next to it.

One file per release line (``fuel/known/torch-2.13.yaml``, ``torch-2.15.yaml``). The
programs and their classes live in tests/fixtures/known/ (classes.yaml says how each class
was derived and on which release lines); each file's rules are held to the classes derived
on its line. The slow test derives the class again with fuel's real triage on the
installed torch and looks it up in that torch's file, so a torch that fixes a bug, or
words it differently, makes the shipped list fail here, not silently.
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
from fuel.execute.options import CompileSetting
from fuel.execute.records import CompileOptions
from fuel.judge.signature import PLUMBING, RootCause
from fuel.program.syntax import forward_operators
from fuel.store.known import KnownIssues, installed_torch, shipped_known_issues, shipped_rules
from fuel.triage.pipeline import BugSource, ReduceSettings, process_bug

FIXTURES = Path(__file__).parents[1] / "fixtures" / "known"
RECORDS: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "classes.yaml").read_text())
RULE_KEYS = ("class", "message", "signature", "component")


def release_of(file_name: str) -> str:
    """``torch-2.15.yaml`` -> ``2.15``."""
    return file_name.removeprefix("torch-").removesuffix(".yaml")


SHIPPED_DATA: dict[str, dict[str, Any]] = {
    release_of(item.name): yaml.safe_load(item.read_text(encoding="utf-8"))
    for item in resources.files("fuel.known").iterdir()
    if item.name.endswith(".yaml")
}
RELEASES = sorted(SHIPPED_DATA)
# (release, record): each record is checked against the file of every line it was derived on
DERIVED = [(line, record) for record in RECORDS for line in record["torch"]]


def shipped(line: str) -> KnownIssues:
    """The rules of one release's file, as fuel loads them for a torch of that line."""
    data = SHIPPED_DATA[line]
    return KnownIssues(tuple(shipped_rules(data, f"torch-{line}.yaml", f"{line}.0")))


def cause_of(record: dict[str, Any]) -> RootCause:
    return serial.from_data(RootCause, record["root_cause"])


def derived_id(pair: tuple[str, dict[str, Any]]) -> str:
    line, record = pair
    return f"{line}-{record['issue']}-{record['program'].removesuffix('.py')}"


def test_both_release_lines_are_shipped() -> None:
    assert {"2.13", "2.15"} <= set(RELEASES)


@pytest.mark.parametrize("line", RELEASES)
def test_every_entry_names_an_issue_a_title_its_release_and_one_rule(line: str) -> None:
    entries = SHIPPED_DATA[line]["issues"]
    assert entries, f"the shipped list for {line} is empty"
    for entry in entries:
        assert isinstance(entry["issue"], int) and entry["issue"] > 0, entry
        assert entry["title"].strip(), entry
        assert entry["affects"] == [line], entry
        assert len([key for key in RULE_KEYS if key in entry]) == 1, entry
    assert len(shipped(line).rules) == len(entries)


@pytest.mark.parametrize("line", RELEASES)
def test_a_file_applies_to_its_release_line_only(line: str) -> None:
    count = len(SHIPPED_DATA[line]["issues"])
    for version in (f"{line}.0", f"{line}.1", f"{line}.0+cpu", f"{line}.0+cu132",
                    f"{line}.0.dev20260907+cu126"):  # fmt: skip
        assert len(shipped_known_issues(version).rules) == count, version


def test_a_torch_of_no_shipped_line_gets_no_shipped_rule() -> None:
    """A release prefix matches whole version fields: 2.15 is not 2.150."""
    for version in ("2.12.1", "2.14.1", "2.16.0", "2.150.0", "2.130.0+cpu", "2.1", ""):
        assert shipped_known_issues(version).rules == (), version


@pytest.mark.parametrize("line", RELEASES)
def test_every_entry_is_verified_by_a_program_derived_on_its_line(line: str) -> None:
    recorded = {r["issue"] for r in RECORDS if line in r["torch"]}
    assert recorded == {e["issue"] for e in SHIPPED_DATA[line]["issues"]}
    for record in RECORDS:
        assert (FIXTURES / record["program"]).is_file(), record["program"]
        assert set(record["torch"]) <= set(RELEASES), record


def test_a_rule_left_out_of_the_next_release_says_it_was_fixed_there() -> None:
    """Every 2.13 rule was run again on 2.15: it is in the 2.15 file, or names 2.15 as
    the release that fixed it (and then is not in the 2.15 file)."""
    newer = {e["issue"] for e in SHIPPED_DATA["2.15"]["issues"]}
    for entry in SHIPPED_DATA["2.13"]["issues"]:
        fixed = entry.get("fixed_in") == "2.15"
        assert (entry["issue"] in newer) != fixed, entry


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r['issue']}-{r['program']}")
def test_the_recorded_class_is_the_program_s_own(record: dict[str, Any]) -> None:
    """The class's operators are what the program's forward calls (plumbing aside), so
    the recorded class cannot drift from the program kept beside it."""
    source = (FIXTURES / record["program"]).read_text()
    operators = sorted({op for op in forward_operators(source) if op not in PLUMBING})
    assert list(cause_of(record).operators) == operators


@pytest.mark.parametrize("pair", DERIVED, ids=derived_id)
def test_the_rule_matches_the_class_fuel_derived(pair: tuple[str, dict[str, Any]]) -> None:
    line, record = pair
    cause = cause_of(record)
    assert shipped(line).match_class(cause) == f"known #{record['issue']}", cause.text


@pytest.mark.parametrize("pair", DERIVED, ids=derived_id)
def test_the_rule_matches_the_class_when_it_needs_settings(
    pair: tuple[str, dict[str, Any]],
) -> None:
    line, record = pair
    cause = replace(cause_of(record), settings=(CompileSetting("dynamic", True),))
    assert shipped(line).match_class(cause) == f"known #{record['issue']}", cause.text


@pytest.mark.parametrize("pair", DERIVED, ids=derived_id)
def test_no_rule_matches_a_neighbouring_class(pair: tuple[str, dict[str, Any]]) -> None:
    line, record = pair
    assert record["neighbours"], "each record names the classes next to it"
    for change in record["neighbours"]:
        neighbour = serial.from_data(RootCause, {**record["root_cause"], **change})
        assert shipped(line).match_class(neighbour) is None, neighbour.text


@pytest.mark.parametrize("pair", [p for p in DERIVED if p[1]["root_cause"].get("component")],
                         ids=derived_id)  # fmt: skip
def test_a_component_rule_matches_other_operators_sharing_the_code(
    pair: tuple[str, dict[str, Any]],
) -> None:
    """A class traced to the same code with another operator and another message (which
    no class rule names) is still the known issue, by its component."""
    line, record = pair
    other = {**record["root_cause"], "operators": ["Tensor.frobnicate_"]}
    if other["message"]:
        other["message"] = "a message no class rule names"
    cause = serial.from_data(RootCause, other)
    assert shipped(line).match_class(cause) == f"known #{record['issue']}", cause.text
    untraced = serial.from_data(RootCause, {**other, "component": ""})
    assert shipped(line).match_class(untraced) is None, untraced.text


# Cheap ones: one statement each, already minimal, so a short reduction keeps them as
# they are and the time goes to the ablation's handful of compiles.
TRIAGED = ["any_uint8.py", "amin_uint8.py"]
REDUCE_S = 5.0


@pytest.mark.slow
@pytest.mark.parametrize("program", TRIAGED)
def test_fuel_s_triage_still_derives_a_shipped_class(program: str, pool, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    torch = installed_torch()
    line = ".".join(torch.split(".")[:2])
    if line not in RELEASES:
        pytest.skip(f"fuel ships no known issues for torch {torch}")
    (record,) = [r for r in RECORDS if r["program"] == program and line in r["torch"]]
    source = (FIXTURES / program).read_text()
    bug = BugSource(source, program, CompileOptions())
    settings = ReduceSettings(time_limit_s=REDUCE_S, confirm=False, versions=lambda: "")
    done = process_bug(bug, Checker(pool, CompileOptions()), tmp_path, settings)
    assert done.reduction.reproduced, (
        f"{program} no longer shows pytorch#{record['issue']} on torch {torch}: "
        f"review the shipped entry ({done.reduction.reason.value})"
    )
    cause = done.report.root_cause
    assert cause is not None
    assert cause == cause_of(record), f"torch {torch} derives another class: {cause.text}"
    found = shipped_known_issues(torch).match_class(cause)
    assert found == f"known #{record['issue']}", f"no shipped rule for torch {torch}"
