"""How a command ends: its exit code, and the one line it leaves on stderr.

Every command uses the same codes (README, "Exit codes"):

====  ==================================================================================
0     done: no bug (check), nothing reproduces (replay), a confirmed repro (reduce), the
      campaign ran to its limit (fuzz)
1     a bug: found (check), still reproducing (replay); reduce: no confirmed repro
2     fuel could not do what was asked, and one line says why: a usage error, an input
      it cannot read, a campaign it cannot use or write (full, read-only, damaged, in
      use by another fuel), or (fuzz) an error that ended the campaign
3     nothing could be judged: every program was rejected or skipped (check), every bug
      passed over (replay)
130   interrupted (Ctrl-C, SIGINT): what was recorded is kept
143   stopped by SIGTERM, like Ctrl-C
141   stdout was closed early (``fuel status OUT | head -1``): no line
====  ==================================================================================
"""

from __future__ import annotations

import signal
from types import FrameType

OK = 0
BUG = 1
FAILED = 2
NOTHING_JUDGED = 3
INTERRUPTED = 128 + signal.SIGINT
TERMINATED = 128 + signal.SIGTERM
BROKEN_PIPE = 128 + signal.SIGPIPE


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM, with the line to leave (``fuel fuzz``: how to go on)."""


class Terminated(Interrupted):
    """SIGTERM: stops a command as Ctrl-C does, so that it cleans up the same way."""


def raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated("stopped by SIGTERM")


def interrupt_code(stop: KeyboardInterrupt) -> int:
    return TERMINATED if isinstance(stop, Terminated) else INTERRUPTED


def one_line(text: str) -> str:
    """``text`` on one line: control characters (a newline in a file name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
