"""The catalog cache: one file per torch version and catalog code, atomic, self-healing."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fuel.catalog import cache
from fuel.catalog.catalog import Catalog
from fuel.errors import UsageError
from tests.generate.subset import subset_catalog


def test_cache_directory_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FUEL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "fuel"
    monkeypatch.setenv("FUEL_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    name = cache.cache_path().name
    assert torch.__version__.replace("+", "_") in name and cache.fingerprint() in name


def test_write_then_read_gives_the_same_catalog(tmp_path: Path) -> None:
    data = subset_catalog().data
    path = tmp_path / "catalog.json"
    cache.write(path, data)
    assert cache.read(path) == data
    path.write_text("{not json", encoding="utf-8")
    assert cache.read(path) is None
    assert cache.read(tmp_path / "missing.json") is None


def test_load_or_build_uses_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FUEL_CACHE_DIR", str(tmp_path))
    cache.write(cache.cache_path(), subset_catalog().data)
    monkeypatch.setattr(cache.build, "build", lambda progress=None: pytest.fail("rebuilt"))
    assert cache.load_or_build() == subset_catalog().data


def test_require_names_exactly_with_one_line_errors() -> None:
    catalog = subset_catalog()
    assert [s.name for s in catalog.require(["add", "nn.Linear"])] == ["add", "nn.Linear"]
    with pytest.raises(UsageError, match="unknown operator 'ad'"):
        catalog.require(["ad"])
    names = catalog.names()
    assert list(names) == sorted(names)
    excluded = Catalog(
        type(catalog.data)(catalog.torch_version, (*catalog.data.ops[:1], _excluded(catalog)))
    )
    with pytest.raises(UsageError, match="never generated: draws random numbers"):
        excluded.require(["bernoulli"])


def _excluded(catalog: Catalog):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(catalog.data.ops[0], name="bernoulli", excluded="draws random numbers")
