"""The cluster's records: how it is asked to place workers, and what it says about itself.

They import nothing of Ray, so the store can keep a :class:`ClusterReport` and
``fuel status`` can show it on a machine without Ray.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """Where a campaign's workers run on a Ray cluster."""

    address: str  # host:port, ray://host:port, or "auto"
    workers_per_node: int | None = None  # None: the node's CPUs (GPUs for cuda)
    device: str = "cpu"  # cuda: each worker holds one GPU


@dataclass(frozen=True, slots=True)
class Seat:
    """One node's share of the campaign: how many warm workers its actor holds."""

    node_id: str
    address: str  # the node's IP, as Ray knows it
    workers: int
    cpus: int = 1  # the CPUs Ray says the node has: its workers' torch threads share them


@dataclass(frozen=True, slots=True)
class NodeReport:
    node: str  # the node id's first characters (all nodes of a test cluster share an IP)
    address: str
    workers: int  # 0: it has no live actor now
    tests: int  # tests its actors finished in this run
    alive: bool
    running: int = 0  # tests in flight on it now


@dataclass(frozen=True, slots=True)
class ClusterReport:
    """What the cluster pool says about itself during a run (counts are of this run)."""

    nodes: tuple[NodeReport, ...] = ()  # every node that held an actor, in order of joining
    actors: int = 0  # live and ready
    workers: int = 0  # warm workers over the live actors
    actors_started: int = 0  # including replacements
    actors_lost: int = 0  # died with their node, crashed, hung, or failed to start
    lost_tests: int = 0  # in-flight tests lost with an actor
    requeued: int = 0  # of them, sent again to another actor
    recorded_lost: int = 0  # lost a second time: recorded with a crash or timeout verdict

    @property
    def live_nodes(self) -> int:
        return sum(node.alive and node.workers > 0 for node in self.nodes)

    @property
    def lost_nodes(self) -> int:
        return sum(not node.alive for node in self.nodes)

    @property
    def line(self) -> str:
        """One line for the display and ``fuel status``."""
        per_node = ", ".join(
            f"{n.node} {n.tests}" + ("" if n.alive else " (lost)") for n in self.nodes
        )
        lost_nodes = f" ({self.lost_nodes} lost)" if self.lost_nodes else ""
        return (
            f"{self.live_nodes} nodes{lost_nodes} · {self.actors} actors "
            f"({self.actors_started} started, {self.actors_lost} lost) · {self.workers} "
            f"workers · lost tests {self.lost_tests} ({self.requeued} re-queued, "
            f"{self.recorded_lost} recorded) · tests per node: {per_node or '-'}"
        )
