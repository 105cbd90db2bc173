"""FFTs and signal windows: torch.fft.* (real-valued results only) and signal.windows."""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.families._claims import info_class
from fuel.catalog.registry import Family, family


@family
class Spectral(Family):
    name: ClassVar[str] = "spectral"
    category: ClassVar[str] = "fft"
    priority: ClassVar[int] = 10

    def claims(self, info: Any) -> bool:
        name = str(info.name)
        return (
            info_class(info) == "SpectralFuncInfo"
            or name.startswith(("fft.", "signal."))
            or name in ("stft", "istft")
        )
