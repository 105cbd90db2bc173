"""Joining a Ray cluster from the driver: what ``fuel fuzz --ray ADDRESS`` plugs in.

The driver (this process) keeps the generator, the heuristic, the store and the
display; the cluster lends it workers. This fuel package is shipped to the nodes
with the job (Ray's ``py_modules``), so every actor runs the driver's own code; the
nodes need Ray, torch (the driver's version: other nodes are refused) and fuel's
dependencies. Ray's own log lines stay in its session logs on each node.
"""

from __future__ import annotations

import logging
from pathlib import Path

import ray

import fuel
from fuel.cluster.plan import seats
from fuel.cluster.pool import ClusterPool, one_line
from fuel.cluster.records import ClusterReport, ClusterSettings
from fuel.errors import FuelError
from fuel.execute.pool import PoolSettings


class Cluster:
    """A connection to a Ray cluster, and the campaign's pool on it once started."""

    def __init__(self, settings: ClusterSettings) -> None:
        self.settings = settings
        self.pool: ClusterPool | None = None
        package = str(Path(fuel.__file__).resolve().parent)
        try:
            ray.init(address=settings.address, runtime_env={"py_modules": [package]},
                     log_to_driver=False, logging_level=logging.WARNING)  # fmt: skip
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise FuelError(f"--ray {settings.address}: cannot join ({one_line(error)})") from None

    def planned_workers(self) -> int:
        """The workers the cluster's live nodes offer now (the campaign's ``jobs``)."""
        return sum(seat.workers for seat in seats(ray.nodes(), self.settings))

    def start_pool(self, settings: PoolSettings) -> ClusterPool:
        """The campaign's pool (its ``pool_factory``): returns once the actors are warm."""
        pool = ClusterPool(self.settings, settings)
        try:
            pool.wait_ready()
        except BaseException:
            pool.close()
            raise
        self.pool = pool
        return pool

    def report(self) -> ClusterReport:
        return self.pool.report() if self.pool is not None else ClusterReport()

    def close(self) -> None:
        ray.shutdown()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
