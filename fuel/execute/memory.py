"""Memory a test really uses: the worker's limit, and each phase's peak.

The limit bounds what a program allocates, not how much address space torch maps. The
CUDA build of torch (PyPI's Linux wheel, which also runs on machines without a GPU)
maps about 3.4 GB of address space at import, against 0.7 GB for the CPU build, most of
it shared libraries and reservations nothing ever writes. A limit on address space
(``RLIMIT_AS``) therefore left a CUDA build's worker a few hundred MB, and ordinary
programs failed in Dynamo's guards (``std::bad_alloc``) or when Inductor loaded a kernel
("failed to map segment from shared object"): false bugs. ``RLIMIT_DATA`` counts only
private writable memory (heap, anonymous mappings: where tensors live) since Linux 4.7,
so :func:`limit` sets it to what the worker already holds plus ``--memory-mb``.

:class:`PeakMeter` measures each phase's peak resident memory above where it started:
the kernel's high-water mark (``VmHWM``) is reset through ``/proc/self/clear_refs``
(Linux >= 4.0) before a phase and read after it. The file is opened before the sandbox
confines the worker (Landlock checks a file when it is opened), and kept open.
"""

from __future__ import annotations

import io
import resource

MIB = 1024 * 1024
STATUS = "/proc/self/status"
RESET_PEAK = b"5"  # clear_refs: reset the peak resident set size to the current one


def status_mb(field: str) -> float:
    """A memory field of ``/proc/self/status`` (VmData, VmRSS, VmHWM) in MiB; 0 where the
    system has none."""
    try:
        with open(STATUS, encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # the kernel writes kB
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def limit(memory_mb: int) -> int:
    """Cap this process's private writable memory at what it holds now plus
    ``memory_mb``; the cap in MiB (0: no cap). Children (the C++ compiler) inherit it."""
    if memory_mb <= 0:
        return 0
    cap_mb = int(status_mb("VmData")) + memory_mb
    resource.setrlimit(resource.RLIMIT_DATA, (cap_mb * MIB, cap_mb * MIB))
    return cap_mb


class PeakMeter:
    """Peak resident memory per phase, above the phase's start; None where unmeasured."""

    def __init__(self) -> None:
        self._reset: io.FileIO | None
        try:
            self._reset = open("/proc/self/clear_refs", "wb", buffering=0)  # noqa: SIM115
        except OSError:
            self._reset = None
        self._start_mb = 0.0

    @property
    def works(self) -> bool:
        return self._reset is not None

    def start(self) -> None:
        if self._reset is None:
            return
        try:
            self._reset.write(RESET_PEAK)
        except OSError:
            self._reset = None
            return
        self._start_mb = status_mb("VmRSS")

    def peak_mb(self) -> float | None:
        """The phase's peak above its start (since the last :meth:`start`)."""
        if self._reset is None:
            return None
        return round(max(0.0, status_mb("VmHWM") - self._start_mb), 1)


_meter: PeakMeter | None = None


def watch() -> bool:
    """Measure phases in this process from now on (call before the sandbox confines it)."""
    global _meter
    _meter = PeakMeter()
    return _meter.works


def phase_started() -> None:
    if _meter is not None:
        _meter.start()


def phase_peak_mb() -> float | None:
    return _meter.peak_mb() if _meter is not None else None
