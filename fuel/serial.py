"""One JSON form for fuel's frozen records.

Records that cross rooms are frozen dataclasses; in the campaign database, in bug
directories and on the command line they are JSON. :func:`to_data` turns a record into
JSON-ready data (enums by value, tuples as lists, paths as text, NaN as null) and
:func:`from_data` reads it back, guided by the record's type hints: a record's fields
*are* its format, so no record needs a hand-written serialiser. Unknown keys are
ignored (a newer writer) and missing ones take their defaults (an older writer).

Two hooks cover formats older than a record:

* field metadata ``{"json": "name"}`` keeps a field under another key
  (``Verdict.outcome`` is stored as ``"verdict"``);
* a classmethod ``from_legacy(value)`` reads data that is not an object (an older,
  textual form of the record, such as a bug signature stored as one string).

A record whose class sets ``STORED_AS_TEXT`` is kept as its ``text`` alone, and read
back by its ``from_legacy`` (a compile setting: ``inductor.freezing=True``).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import math
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
JSON_NAME = "json"
PRIMITIVES = (bool, int, float, str)


def to_data(value: Any) -> Any:
    """JSON-ready data of ``value`` (a record, or anything records hold)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if getattr(value, "STORED_AS_TEXT", False):
            return value.text  # type: ignore[attr-defined]
        return {
            _json_name(f): to_data(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(to_data(k)): to_data(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def dumps(value: Any, *, indent: int | None = None) -> str:
    """The record as JSON text, keys sorted (equal records give equal text)."""
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(to_data(value), sort_keys=True, indent=indent, separators=separators)


def loads(cls: type[T], text: str) -> T:
    return from_data(cls, json.loads(text))


def from_data(cls: type[T], data: Any) -> T:
    """The record of type ``cls`` that ``data`` (as :func:`to_data` made it) describes."""
    value: T = _decode(cls, data)
    return value


def _json_name(f: dataclasses.Field[Any]) -> str:
    return str(f.metadata.get(JSON_NAME, f.name))


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, data: Any) -> Any:
    if tp is Any or tp is object:
        return data
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return _decode_union(typing.get_args(tp), data)
    if origin is tuple:
        return _decode_tuple(typing.get_args(tp), data)
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_decode(item, v) for v in data]
    if origin is dict:
        key, item = typing.get_args(tp)
        return {_decode(key, k): _decode(item, v) for k, v in data.items()}
    if isinstance(tp, type):
        return _decode_type(tp, data)
    raise TypeError(f"cannot read {tp!r} from JSON")


def _decode_union(options: tuple[Any, ...], data: Any) -> Any:
    if data is None and type(None) in options:
        return None
    chosen = [o for o in options if o is not type(None)]
    exact = next((o for o in chosen if o in PRIMITIVES and type(data) is o), None)
    if exact is not None:
        return data
    for option in chosen:  # the first reading that succeeds
        try:
            return _decode(option, data)
        except (TypeError, ValueError, KeyError):
            continue
    raise TypeError(f"{data!r} fits none of {chosen}")


def _decode_tuple(args: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_decode(args[0], v) for v in data)
    return tuple(_decode(t, v) for t, v in zip(args, data, strict=True))


def _decode_type(tp: type, data: Any) -> Any:
    if dataclasses.is_dataclass(tp):
        return _decode_record(tp, data)
    if issubclass(tp, enum.Enum):
        return tp(data)
    if tp is Path:
        return Path(data)
    if tp is float:
        return math.nan if data is None else float(data)
    if tp is int and isinstance(data, bool):
        raise TypeError(f"expected an int, got {data!r}")
    if tp in (int, str, bool) and not isinstance(data, tp):
        raise TypeError(f"expected {tp.__name__}, got {data!r}")
    return data


def _decode_record(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        legacy = getattr(cls, "from_legacy", None)
        if legacy is None:
            raise TypeError(f"{cls.__name__} needs a JSON object, got {type(data).__name__}")
        return legacy(data)
    hints = _hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        name = _json_name(f)
        if name in data and f.init:
            values[f.name] = _decode(hints[f.name], data[name])
    return cls(**values)
