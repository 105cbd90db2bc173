"""The three kinds of failure fuel tells apart.

* :class:`FuelError`: fuel itself cannot go on (bad configuration, a broken
  environment). It stops the command with one clear line and exit code 2.
* :class:`Rejected`: an expected refusal of one input (a program that does not load,
  fails the static check). It is counted and reported, never raised to the user.
* Behaviour of the target (a compile crash, a wrong number) is neither: it is data,
  which ``fuel.judge`` turns into a ``Verdict``.

The system's refusals (a full disk, a read-only file) reach the user as one of these
too, worded by :func:`os_reason`.
"""

import os


class FuelError(Exception):
    """fuel cannot continue; the message is one line meant for the user."""


class UsageError(FuelError):
    """The user asked for something impossible (bad flag value, missing path)."""


class Rejected(Exception):
    """An input was refused for a reason stated in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def os_reason(error: OSError) -> str:
    """The system's reason for refusing, in its own words, lower-cased for the middle of
    a line ("no space left on device"); the exception's text when it names none."""
    if error.errno is None:
        return str(error) or type(error).__name__
    words = os.strerror(error.errno)
    return words[:1].lower() + words[1:]
