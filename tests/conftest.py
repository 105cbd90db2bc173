"""Shared fixtures. Worker pools are expensive to start (torch import and a warm-up
compile), so the slow tests share one sandboxed pool per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fuel.execute.pool import PoolSettings, WorkerPool

PROGRAMS = Path(__file__).parent / "programs"
EXAMPLES = Path(__file__).parent.parent / "examples"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``gpu`` run where CUDA is, and are skipped, saying why, elsewhere."""
    if not any(item.get_closest_marker("gpu") for item in items):
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU, and none is available here")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(PoolSettings(workers=1, timeout_s=120, memory_mb=4096)) as shared:
        shared.wait_ready()
        yield shared
