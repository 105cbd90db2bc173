"""Messages between the pool and a worker, and how they are framed on the pipe.

Each message is a pickled record sent with ``send_bytes``. Pickle is used with the
standard library's pickler, not multiprocessing's: torch registers reducers there that
share tensors through file descriptors, which the sandbox forbids. Tensors travel as
their raw bytes plus dtype and shape: torch's own pickling cannot rebuild tensors of
some dtypes (uint16/32/64, float8, complex32) in torch 2.13.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import torch

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
    coverage: CoverageDelta | None  # None: the job did not ask, or the worker cannot
    stdout: str
    sandbox_violations: tuple[str, ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class WorkerFailed:
    """fuel's own code raised inside the worker: a fuel bug, not a verdict."""

    message: str
    traceback: str = ""


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


def rebuild_tensor(data: bytes, dtype: torch.dtype, shape: tuple[int, ...]) -> torch.Tensor:
    if not data:
        return torch.empty(shape, dtype=dtype)
    raw = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    return raw.view(dtype).reshape(shape)


def raw_bytes(tensor: torch.Tensor) -> bytes:
    """The tensor's elements in row-major order, as bytes. A contiguous tensor may still
    have an odd stride on a dimension of size 1 (``x[..., ::2]`` of shape (1,)), which
    a byte view refuses: such a tensor is copied into plain strides first."""
    flat = tensor.detach().resolve_conj().resolve_neg().reshape(-1)
    if flat.stride(0) != 1:
        flat = flat.clone(memory_format=torch.contiguous_format)
    return bytes(flat.view(torch.uint8).numpy().tobytes())


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is torch.Tensor and obj.layout is torch.strided and obj.device.type == "cpu":
            data = raw_bytes(obj) if obj.numel() else b""
            return rebuild_tensor, (data, obj.dtype, tuple(obj.shape))
        return NotImplemented


def dumps(message: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(message)
    return buffer.getvalue()


def send(conn: Connection, message: Message) -> None:
    conn.send_bytes(dumps(message))


def receive(conn: Connection) -> Message:
    message: Message = pickle.loads(conn.recv_bytes())
    return message
