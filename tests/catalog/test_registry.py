"""The registries: families register once and completely; operators by exact name."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from fuel.catalog.registry import Family, OpTable, families, family
from fuel.catalog.spec import Call, CallKind, OpSpec


def spec(name: str) -> OpSpec:
    return OpSpec(name, "misc", "misc", Call(CallKind.FUNCTION, f"torch.{name}"), (), ())


def test_op_table_rejects_duplicates() -> None:
    table = OpTable()
    table.add(spec("exp"))
    with pytest.raises(ValueError, match="registered twice"):
        table.add(spec("exp"))


def test_names_match_exactly_never_by_prefix() -> None:
    table = OpTable()
    table.add(spec("exp"))
    table.add(spec("expand"))
    assert table["exp"].name == "exp"
    assert "ex" not in table and "Exp" not in table
    assert [s.name for s in table] == ["exp", "expand"]


def test_family_decorator_rejects_duplicate_and_incomplete_families() -> None:
    with pytest.raises(ValueError, match="registered twice"):

        @family
        class Again(Family):
            name: ClassVar[str] = "unary"
            category: ClassVar[str] = "pointwise"

            def claims(self, info: Any) -> bool:
                return False

    with pytest.raises(TypeError, match="claims"):

        @family
        class NoClaims(Family):
            name: ClassVar[str] = "no_claims"
            category: ClassVar[str] = "misc"

    with pytest.raises(TypeError, match="name and a category"):

        @family
        class Nameless(Family):
            def claims(self, info: Any) -> bool:
                return True


def test_families_are_ordered_and_misc_claims_last() -> None:
    found = families("opinfo")
    assert found[-1].name == "misc"
    assert [f.priority for f in found] == sorted(f.priority for f in found)
    assert [f.name for f in families("modules")] == ["layers"]
