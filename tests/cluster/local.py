"""A Ray cluster on this machine for the tests (``ray.cluster_utils``), on 127.0.0.1.

The head node offers no CPU (as on a real cluster whose head does no work), so no actor
sits on it and any other node can be removed; each worker node offers one CPU, so it
holds one actor with one worker. ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (conftest.py)
keeps Ray on the loopback instead of this machine's interface address.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LOOPBACK = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


@contextmanager
def local_cluster(worker_nodes: int) -> Iterator[Any]:
    from ray.cluster_utils import Cluster

    assert os.environ[LOOPBACK] == "0"  # set by conftest.py, before Ray was imported
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    try:
        assert cluster.address.startswith("127.0.0.1:"), cluster.address
        for _ in range(worker_nodes):
            cluster.add_node(num_cpus=1)
        yield cluster
    finally:
        cluster.shutdown()
