"""Indexing: gather/scatter, index_* operators, take/put, masked fills, searchsorted.

Index tensors are literal slots (the sample's in-range values), so no program indexes
out of bounds. Sorted-sequence arguments are guarded to be sorted, because
searchsorted and bucketize are undefined on unsorted boundaries.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.registry import Family, family
from fuel.catalog.spec import Guard

MARKERS = ("gather", "scatter", "index_", "take", "put", "masked_fill", "masked_scatter")
INDEXING = {
    "searchsorted",
    "bucketize",
    "where",
    "nonzero",
    "nonzero_static",
    "argwhere",
    "masked_select",
    "index_select",
    "_unsafe_index",
}


@family
class Indexing(Family):
    name: ClassVar[str] = "indexing"
    category: ClassVar[str] = "indexing"
    priority: ClassVar[int] = 18
    guards: ClassVar[dict[str, tuple[Guard, ...]]] = {
        "searchsorted": (Guard("input", "ascending"),),
        "bucketize": (Guard("0", "ascending"), Guard("boundaries", "ascending")),
    }

    def claims(self, info: Any) -> bool:
        name = str(info.name)
        return name in INDEXING or any(m in name for m in MARKERS)
