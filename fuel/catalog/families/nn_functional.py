"""torch.nn.functional: convolutions, pooling, normalisation, activations, losses,
attention, interpolation, padding (functional forms; the layers family has modules)."""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.registry import Family, family


@family
class NNFunctional(Family):
    name: ClassVar[str] = "nn_functional"
    category: ClassVar[str] = "nn"
    priority: ClassVar[int] = 30

    def claims(self, info: Any) -> bool:
        return str(info.name).startswith("nn.functional.")
