"""torch.nn layers from torch's module database (ModuleInfo): convolutions, linear,
norms, pooling, padding, activations, RNNs and their cells, attention, transformer
layers, embedding, losses. Each becomes a submodule of the program's model, built in
``__init__`` with the constructor arguments torch's own tests use, so programs carry
real parameters. Lazy modules are left out: they initialise on the first call."""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.registry import Family, family


@family
class Layers(Family):
    name: ClassVar[str] = "layers"
    category: ClassVar[str] = "layer"
    source: ClassVar[str] = "modules"
    excluded: ClassVar[dict[str, str]] = {
        "nn.LinearCrossEntropyLoss": "its options object has no source form",
    }

    def claims(self, info: Any) -> bool:
        return str(info.name).startswith("nn.") and not getattr(info, "is_lazy", False)
