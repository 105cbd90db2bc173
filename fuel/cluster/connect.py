"""Joining a Ray cluster from the driver: what ``fuel fuzz --ray ADDRESS`` plugs in.

The driver (this process) keeps the generator, the heuristic, the store and the
display; the cluster lends it workers, which also make the built-in generator's
programs from the driver's requests (see :mod:`fuel.cluster.pool`). This fuel
package is shipped to the nodes with the job (Ray's ``py_modules``), so every actor
runs the driver's own code; the nodes need Ray, torch (the driver's version: other
nodes are refused) and fuel's dependencies. Ray's own log lines stay in its session
logs on each node.
"""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import ray

import fuel
from fuel.cluster.plan import seats
from fuel.cluster.pool import ClusterPool, one_line
from fuel.cluster.records import ClusterReport, ClusterSettings
from fuel.errors import FuelError
from fuel.execute.pool import PoolSettings
from fuel.generate.base import Generator

# Ray retries an unanswered address for many minutes; a few seconds of silence from a
# plain TCP connect already say that nothing listens there.
PROBE_TIMEOUT_S = 10.0


class Cluster:
    """A connection to a Ray cluster, and the campaign's pool on it once started."""

    def __init__(self, settings: ClusterSettings) -> None:
        self.settings = settings
        self.pool: ClusterPool | None = None
        package = str(Path(fuel.__file__).resolve().parent)
        probe(settings.address)
        try:
            ray.init(address=settings.address, runtime_env={"py_modules": [package]},
                     log_to_driver=False, logging_level=logging.WARNING)  # fmt: skip
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise FuelError(f"--ray {settings.address}: cannot join ({one_line(error)})") from None

    def planned_workers(self) -> int:
        """The workers the cluster's live nodes offer now (the campaign's ``jobs``)."""
        return sum(seat.workers for seat in seats(ray.nodes(), self.settings))

    def start_pool(self, settings: PoolSettings, generator: Generator | None = None) -> ClusterPool:
        """The campaign's pool (its ``pool_factory``): returns once the actors are warm.
        The actors make ``generator``'s programs themselves when it offers a replica."""
        maker = generator.replica() if generator is not None else None
        pool = ClusterPool(self.settings, settings, maker)
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


def probe(address: str) -> None:
    """Fail at once, with the address Ray would use, when nothing listens there.

    Ray rewrites a loopback address to the machine's own (unless
    ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``) and reads ``auto`` from the last
    ``ray start``; its own function says where it will connect. A Ray client address
    (``ray://``) is left to Ray."""
    from ray._private.services import canonicalize_bootstrap_address  # pinned Ray

    if "://" in address:
        return
    try:
        target = canonicalize_bootstrap_address(address)
    except (ConnectionError, ValueError) as error:
        raise FuelError(f"--ray {address}: {one_line(error)}") from None
    if target is None:
        raise FuelError(f"--ray {address}: no running Ray cluster was found on this machine")
    host, _, port = target.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_S).close()
    except (OSError, ValueError) as error:
        raise FuelError(f"--ray {address}: nothing answers at {target} ({error})") from None
