"""The three kinds of failure fuel tells apart.

* :class:`FuelError`: fuel itself cannot go on (bad configuration, a broken
  environment). It stops the command with one clear line and exit code 2.
* :class:`Rejected`: an expected refusal of one input (a program that does not load,
  fails the static check). It is counted and reported, never raised to the user.
* Behaviour of the target (a compile crash, a wrong number) is neither: it is data,
  which ``fuel.judge`` turns into a ``Verdict``.
"""


class FuelError(Exception):
    """fuel cannot continue; the message is one line meant for the user."""


class UsageError(FuelError):
    """The user asked for something impossible (bad flag value, missing path)."""


class Rejected(Exception):
    """An input was refused for a reason stated in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
