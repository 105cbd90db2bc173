"""When the campaign directory fails the store: one line saying what happened, what
was kept, and what to do.

SQLite and the file system say the same things in their own types and words: a full
disk is ``sqlite3.OperationalError`` "database or disk is full" or an ``OSError``
ENOSPC, a read-only file "attempt to write a readonly database" or EROFS, a damaged
file ``sqlite3.DatabaseError`` "database disk image is malformed". :func:`fault` sorts
either into a :class:`Trouble`, the kind that decides what the user can do, and makes
one :class:`StoreFault` of it. A commit is all or nothing, so whatever stopped the store
never loses a recorded test: the line says so where it is true.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from fuel.errors import FuelError, os_reason

AGAIN = "run the command again"  # how to go on, where the store knows no better

class Trouble(enum.Enum):
    FULL = "full"  # free some space, then go on
    READ_ONLY = "read-only"  # make it writable (or work on a copy), then go on
    DAMAGED = "damaged"  # fuel cannot read it whole: leave it, keep the files
    OTHER = "other"


SQLITE_TROUBLE = {
    "SQLITE_FULL": Trouble.FULL,
    "SQLITE_READONLY": Trouble.READ_ONLY,
    "SQLITE_PERM": Trouble.READ_ONLY,
    "SQLITE_CORRUPT": Trouble.DAMAGED,
    "SQLITE_NOTADB": Trouble.DAMAGED,
}
ERRNO_TROUBLE = {
    errno.ENOSPC: Trouble.FULL,
    errno.EDQUOT: Trouble.FULL,
    errno.EROFS: Trouble.READ_ONLY,
    errno.EACCES: Trouble.READ_ONLY,
    errno.EPERM: Trouble.READ_ONLY,
}


class StoreFault(FuelError):
    """The campaign directory ``out`` refused the store; the message is the whole line."""

    def __init__(self, out: Path, trouble: Trouble, detail: str, again: str) -> None:
        super().__init__(_line(out, trouble, detail, again))
        self.trouble = trouble


def trouble_of(error: BaseException) -> Trouble:
    name = getattr(error, "sqlite_errorname", "") or ""
    for prefix, trouble in SQLITE_TROUBLE.items():  # extended codes: SQLITE_READONLY_DBMOVED
        if name == prefix or name.startswith(prefix + "_"):
            return trouble
    if isinstance(error, OSError) and error.errno is not None:
        return ERRNO_TROUBLE.get(error.errno, Trouble.OTHER)
    return Trouble.OTHER


def fault(out: Path, error: BaseException, again: str) -> StoreFault:
    """``error`` (an ``OSError`` or a ``sqlite3.Error``) met in ``out``, as one line;
    ``again``: how to go on once the trouble is mended ("`fuel status OUT`")."""
    if isinstance(error, StoreFault):
        return error
    return StoreFault(out, trouble_of(error), detail_of(error), again)


def detail_of(error: BaseException) -> str:
    """The error's own words, with the file it names."""
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{os_reason(error)}"
    return str(error)


@contextlib.contextmanager
def translated(out: Path, again: str) -> Iterator[None]:
    """Inside: a failing ``campaign.db`` or campaign file raises a :class:`StoreFault`."""
    try:
        yield
    except (sqlite3.Error, OSError) as error:
        raise fault(out, error, again) from None


def _line(out: Path, trouble: Trouble, detail: str, again: str) -> str:
    if trouble is Trouble.FULL:
        return (f"no space left for the campaign in {out} ({detail}); every test recorded "
                f"is kept: free some space, then {again}")  # fmt: skip
    if trouble is Trouble.READ_ONLY:
        return (f"the campaign in {out} cannot be written ({detail}); every test recorded "
                f"is kept: make it writable (or copy it elsewhere), then {again}")  # fmt: skip
    if trouble is Trouble.DAMAGED:
        return (f"{out}/campaign.db is damaged ({detail}), and fuel leaves it untouched; "
                f"every program is also kept in {out}/tests and {out}/bugs: start a new "
                f"campaign with another --out")  # fmt: skip
    return f"the campaign in {out} failed: {detail}"
