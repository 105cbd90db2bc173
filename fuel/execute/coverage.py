"""Line coverage of torch's compiler code, measured inside a worker per test.

coverage.py traces only the compiler's packages (Dynamo, Inductor with AOTInductor's
wrapper code generation and packaging, AOTAutograd, FX, fake tensors, refs,
decompositions, prims, and torch.export's ``export`` and ``_export``) and only during
the compiled phase. The
worker remembers every line it has reported, so each test sends only the lines new
to this worker; the campaign keeps the union across workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from fuel.execute.records import CoverageDelta

COMPILER_PACKAGES = (
    "_dynamo", "_inductor", "_functorch", "fx", "_subclasses", "_refs", "_decomp", "_prims",
    "export", "_export",
)  # fmt: skip


class CompilerCoverage:
    def __init__(self) -> None:
        import coverage
        import torch

        self.torch_parent = os.path.dirname(os.path.dirname(torch.__file__))
        torch_dir = os.path.dirname(torch.__file__)
        self._coverage = coverage.Coverage(
            data_file=None,
            include=[os.path.join(torch_dir, p, "*") for p in COMPILER_PACKAGES],
            config_file=False,
        )
        self._seen: dict[str, set[int]] = {}

    @contextmanager
    def measuring(self) -> Iterator[None]:
        self._coverage.start()
        try:
            yield
        finally:
            self._coverage.stop()

    def take_delta(self) -> CoverageDelta:
        """Lines measured since the last call that this worker had not reported yet."""
        data = self._coverage.get_data()
        files = []
        for path in sorted(data.measured_files()):
            lines = set(data.lines(path) or ())
            relative = os.path.relpath(path, self.torch_parent)
            seen = self._seen.setdefault(relative, set())
            new = lines - seen
            if new:
                seen |= new
                files.append((relative, tuple(sorted(new))))
        self._coverage.erase()
        return CoverageDelta(tuple(files))
