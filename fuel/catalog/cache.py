"""The catalog cache: probing OpInfo costs tens of seconds, so it is paid once.

The cache lives in the user's cache directory (``$FUEL_CACHE_DIR``, else
``$XDG_CACHE_HOME/fuel``, else ``~/.cache/fuel``), one JSON file per torch version and
per fingerprint of the catalog's own code: upgrading torch or editing a family
rebuilds it, nothing else does. Writes are atomic, so concurrent fuel processes at
worst build twice; a corrupt file is rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

from fuel import serial
from fuel.catalog import build
from fuel.catalog.spec import SCHEMA, CatalogData


def cache_dir() -> Path:
    explicit = os.environ.get("FUEL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "fuel"


def fingerprint() -> str:
    """A digest of the catalog's code: families, probe and records decide the result."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_path() -> Path:
    version = torch.__version__.replace("+", "_")
    return cache_dir() / f"catalog-torch{version}-s{SCHEMA}-{fingerprint()}.json"


def read(path: Path) -> CatalogData | None:
    try:
        data = serial.loads(CatalogData, path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.schema != SCHEMA or data.torch_version != torch.__version__:
        return None
    return data


def write(path: Path, data: CatalogData) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".catalog-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(serial.to_data(data), handle, separators=(",", ":"))
    os.replace(temporary, path)


def load_or_build(progress: Callable[[str], None] | None = None) -> CatalogData:
    path = cache_path()
    data = read(path)
    if data is None:
        data = build.build(progress)
        with contextlib.suppress(OSError):  # a read-only home still gets a catalog
            write(path, data)
    return data
