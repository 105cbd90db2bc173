"""Reading a file the user names (a program, a known-issues file): its text, or
:class:`Rejected` with the reason in a few words.

Only a regular file is read. A FIFO would block until a writer comes and a device
(``/dev/zero``) never ends, so both are refused before a byte is read: the file is
opened without blocking and its kind is checked on the open descriptor, so nothing
can be swapped in between. At most ``limit_bytes`` are read. Python source is decoded
as Python decodes it (PEP 263: a ``coding`` line, else UTF-8), and a ``coding`` line
naming another encoding is rewritten to say ``utf-8``: fuel keeps programs as text and
writes every file in UTF-8, where the old line would have them decoded wrongly.
"""

from __future__ import annotations

import importlib.util
import os
import re
import stat
from pathlib import Path

from fuel.errors import Rejected, os_reason

# PEP 263's pattern for the encoding declaration in a comment on line 1 or 2.
CODING_LINE = re.compile(r"^([ \t\f]*#.*?coding[:=][ \t]*)([-\w.]+)", re.ASCII)
NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def read_text(path: Path, limit_bytes: int, *, python: bool = False) -> str:
    """The text of the regular file ``path``; ``python``: decoded as Python source."""
    data = read_bytes(path, limit_bytes)
    if python:
        return decode_python(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Rejected(not_text(error)) from None


def read_bytes(path: Path, limit_bytes: int) -> bytes:
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise Rejected(os_reason(error)) from None
    kind = irregular_kind(os.fstat(descriptor).st_mode)
    if kind is not None:
        os.close(descriptor)
        raise Rejected(f"{kind}, not a regular file")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            data = handle.read(limit_bytes + 1)
        except OSError as error:
            raise Rejected(os_reason(error)) from None
    if len(data) > limit_bytes:
        raise Rejected(f"larger than {limit_bytes:,} bytes")
    return data


def irregular_kind(mode: int) -> str | None:
    """What a file of this ``st_mode`` is ("a FIFO") when it is not a regular file."""
    return next((name for test, name in NOT_REGULAR if test(mode)), None)


def decode_python(data: bytes) -> str:
    try:
        source = importlib.util.decode_source(data)
    except UnicodeDecodeError as error:
        raise Rejected(not_text(error)) from None
    except SyntaxError as error:  # an unknown encoding, or one the BOM contradicts
        raise Rejected(f"not Python source text (a binary file?): {error.msg}") from None
    lines = source.split("\n", 2)
    for number, line in enumerate(lines[:2]):
        if CODING_LINE.match(line):
            lines[number] = CODING_LINE.sub(r"\g<1>utf-8", line, count=1)
            break
    return "\n".join(lines)


def not_text(error: UnicodeDecodeError) -> str:
    byte = error.object[error.start : error.start + 1].hex()
    return f"not {error.encoding} text (byte 0x{byte} at offset {error.start}; a binary file?)"
