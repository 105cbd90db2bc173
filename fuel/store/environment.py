"""The versions and machine a campaign ran on, read without importing torch."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

import fuel
from fuel.store.records import Environment


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def current_environment() -> Environment:
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = "not installed"
    return Environment(
        torch_version=torch_version,
        python_version=sys.version.split()[0],
        fuel_version=fuel.__version__,
        cpu=cpu_model(),
        platform=platform.platform(),
    )
