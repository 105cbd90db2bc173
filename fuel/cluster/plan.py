"""Pure decisions of the cluster pool: which nodes get how many workers, and what a
test lost twice is recorded as. No Ray here: the tests check them on plain data.
"""

from __future__ import annotations

import enum
import signal
from collections.abc import Iterable, Mapping
from typing import Any

from fuel.cluster.records import ClusterSettings, Seat
from fuel.execute.pool import PoolSettings
from fuel.execute.records import ExitStatus, RunResult

# A test whose actor died under it is sent once more; if that actor dies as well, the
# test is the likelier cause than two unrelated deaths, and it is recorded as a death
# of its own (as a worker's death is on one machine) instead of being tried forever.
MAX_TRIES = 2


class Loss(str, enum.Enum):
    """How an in-flight test was lost with its actor."""

    DIED = "died"  # the actor or its node died
    HUNG = "hung"  # the actor did not answer long after the test's own time limit


def seats(nodes: Iterable[Mapping[str, Any]], settings: ClusterSettings) -> list[Seat]:
    """A seat on every live node that offers what a worker needs, in Ray's order."""
    chosen = []
    for node in nodes:
        seat = seat_on(node, settings)
        if seat is not None:
            chosen.append(seat)
    return chosen


def seat_on(node: Mapping[str, Any], settings: ClusterSettings) -> Seat | None:
    """The workers a node gets: ``workers_per_node``, or else one per CPU (per GPU for
    cuda), never more than it offers: a worker holds one CPU, and one GPU for cuda.
    None for a dead node, or one that offers none (a head node started with
    ``--num-cpus 0`` to keep work off it)."""
    if not node.get("Alive", False):
        return None
    resources = node.get("Resources") or {}
    cpus = int(resources.get("CPU", 0))
    gpus = int(resources.get("GPU", 0))
    offered = min(cpus, gpus) if settings.device == "cuda" else cpus
    wanted = settings.workers_per_node or (gpus if settings.device == "cuda" else cpus)
    workers = min(wanted, offered)
    if workers < 1:
        return None
    return Seat(str(node["NodeID"]), str(node.get("NodeManagerAddress", "?")), workers, cpus)


def threads_per_worker(seat: Seat, settings: PoolSettings) -> int:
    """Torch threads of each worker on a node: the node's CPUs as Ray counts them,
    shared among its workers (on a real node the same as the pool's own default, which
    counts the machine's cores; on nodes that share a machine, what each was given)."""
    if settings.threads_per_worker > 0:
        return settings.threads_per_worker
    return max(1, seat.cpus // seat.workers)


def lost_result(how: Loss, nodes: tuple[str, ...], timeout_s: float) -> RunResult:
    """The result of a test lost with its actor ``MAX_TRIES`` times: a death by SIGKILL
    or a timeout, as a worker's on one machine; the phase it died in is unknown."""
    where = ", ".join(nodes)
    if how is Loss.HUNG:
        detail = f"its Ray actor stopped answering, {len(nodes)} times (nodes {where})"
        return RunResult(exit=ExitStatus.TIMEOUT, seconds=timeout_s, detail=detail)
    detail = f"its Ray actor died under it, {len(nodes)} times (nodes {where})"
    return RunResult(exit=ExitStatus.CRASHED, signal=signal.SIGKILL, detail=detail)
