"""Messages between the pool and a worker, and how they are framed on the pipe.

Each message is a pickled record sent with ``send_bytes``. Pickle is used with the
standard library's pickler, not multiprocessing's: torch registers reducers there that
share tensors through file descriptors, which the sandbox forbids.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from multiprocessing.connection import Connection

from fuel.execute.records import (
    CoverageDelta,
    Failure,
    Job,
    Phase,
    Probe,
    RunOutcome,
)


@dataclass(frozen=True, slots=True)
class Hello:
    pid: int
    torch_version: str
    sandbox_layers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhaseStarted:
    phase: Phase


@dataclass(frozen=True, slots=True)
class PhaseDone:
    outcome: RunOutcome


@dataclass(frozen=True, slots=True)
class JobTail:
    """The end of a job: everything but the phase outcomes, which came before."""

    setup_failure: Failure | None
    probe: Probe
    coverage: CoverageDelta
    stdout: str
    sandbox_violations: tuple[str, ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class WorkerFailed:
    """fuel's own code raised inside the worker: a fuel bug, not a verdict."""

    message: str


@dataclass(frozen=True, slots=True)
class Shutdown:
    pass


Message = Hello | PhaseStarted | PhaseDone | JobTail | WorkerFailed | Shutdown | Job


# Between the pool and its zygote (see fuel.execute.zygote).
@dataclass(frozen=True, slots=True)
class ZygoteReady:
    torch_version: str


@dataclass(frozen=True, slots=True)
class Spawn:
    """Fork a worker; its end of the job socketpair travels with this message."""

    root: str


@dataclass(frozen=True, slots=True)
class Spawned:
    pid: int


@dataclass(frozen=True, slots=True)
class Exited:
    pid: int
    returncode: int  # as subprocess reports it: negative for a signal


ZygoteMessage = ZygoteReady | Spawn | Spawned | Exited


def send(conn: Connection, message: Message) -> None:
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def receive(conn: Connection) -> Message:
    message: Message = pickle.loads(conn.recv_bytes())
    return message
