"""The import plan: a room never imports a room above it.

Every ``import fuel.x`` (at module level or inside a function) of every module of the
package is read from its syntax tree and checked against the order of the rooms
below, which is the order of ``fuel/__init__.py``'s table.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "fuel"
# Bottom to top; a room may import its own floor and the floors below it.
FLOORS: tuple[frozenset[str], ...] = tuple(
    frozenset(names)
    for names in (
        ("errors", "serial", "registry", "known"),  # plumbing and data every room may use
        ("program",),
        ("execute",),
        ("judge",),
        ("check",),
        ("feedback",),
        ("catalog",),
        ("generate",),
        ("cluster",),
        ("llm",),
        ("reduce",),
        ("store",),
        ("report",),
        ("triage",),
        ("campaign",),
        ("cli", "fuzz"),  # the composition roots
    )
)


def floor_of(room: str) -> int:
    return next(index for index, names in enumerate(FLOORS) if room in names)


def room_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def imported_rooms(path: Path) -> list[tuple[int, str, str]]:
    """(line, imported fuel module, its room) for every fuel import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "fuel":
            modules = [f"fuel.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module]
        for module in modules:
            parts = module.split(".")
            if parts[0] == "fuel" and len(parts) > 1:
                found.append((node.lineno, module, parts[1]))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.stem != "__init__")


def test_every_room_has_a_floor() -> None:
    rooms = {room_of(p) for p in MODULES}
    assert rooms <= set().union(*FLOORS), rooms - set().union(*FLOORS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_climbs_to_a_room_above(path: Path) -> None:
    here = room_of(path)
    upward = [
        f"line {line}: {name}"
        for line, name, room in imported_rooms(path)
        if floor_of(room) > floor_of(here)
    ]
    assert not upward, f"{here} imports rooms above it: {upward}"


def test_the_judge_takes_only_records_from_the_executor() -> None:
    for path in (PACKAGE / "judge").glob("*.py"):
        executor = {name for _, name, room in imported_rooms(path) if room == "execute"}
        # records: what a run returned; options: the compile settings it ran with
        assert executor <= {"fuel.execute.records", "fuel.execute.options"}, (path.name, executor)


def test_the_reducer_knows_nothing_of_reports_triage_or_campaigns() -> None:
    for path in (PACKAGE / "reduce").glob("*.py"):
        rooms = {room for _, _, room in imported_rooms(path)}
        assert not rooms & {"report", "triage", "campaign", "store", "check"}, (path.name, rooms)
