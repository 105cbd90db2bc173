"""Small predicates families use to claim OpInfo entries."""

from __future__ import annotations

from typing import Any


def info_class(info: Any) -> str:
    return type(info).__name__


def defined_in(info: Any) -> str:
    """The module torch defines the entry's sample inputs in (``...definitions.linalg``)."""
    func = getattr(info, "sample_inputs_func", None)
    inner = getattr(func, "func", func)  # functools.partial
    return str(getattr(inner, "__module__", ""))


def full_name(info: Any) -> str:
    variant = getattr(info, "variant_test_name", "")
    return f"{info.name}.{variant}" if variant else str(info.name)
