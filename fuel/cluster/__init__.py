"""Campaigns on many machines: the warm pool's interface, served by a Ray cluster.

``fuel fuzz --ray ADDRESS`` keeps the whole campaign in the driver (generator,
heuristic, store, display, resume) and lends it workers on every node of a Ray
cluster: one actor per node holds the existing warm, sandboxed
:class:`~fuel.execute.pool.WorkerPool` of that node, placed by resources (a CPU per
worker, and a GPU for cuda). The campaign sees the same ``submit`` / ``run`` /
``close`` as on one machine. Given a replica of the generator (the built-in one: its
programs follow from the operators and the seed), the actors also make the programs
they run, so the driver only proposes: the program comes back with its result and is
recorded as one made on the driver. Without ``--ray`` nothing of Ray is imported.

=============== ==================================================================
module          what it does
=============== ==================================================================
``records``     the settings, and the report the display and ``fuel status`` show
                (no Ray: the store keeps it)
``plan``        pure decisions: workers per node, what a test lost twice becomes
``actor``       the node's side: a ``WorkerPool`` inside a Ray actor, which also
                makes the built-in generator's programs from the driver's requests
``tasks``       the driver's bookkeeping: tests on their way, actors, tallies
``pool``        the driver's side: queue, dispatch, losses, replacements
``connect``     joining the cluster; what ``fuel fuzz --ray`` plugs into the campaign
=============== ==================================================================
"""
