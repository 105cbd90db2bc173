"""A generator over the small test catalog (see ``subset.py``)."""

from __future__ import annotations

import pytest

from fuel.generate.builtin import BuiltinGenerator
from tests.generate.subset import subset_catalog


@pytest.fixture(scope="session")
def generator() -> BuiltinGenerator:
    return BuiltinGenerator(subset_catalog())
