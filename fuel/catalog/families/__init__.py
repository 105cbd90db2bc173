"""Operator families, one per module; importing this package registers them all.

Each family claims OpInfo entries (or, for ``layers``, torch's nn module database)
and adds what torch does not record in machine-readable form: value guards, explicit
exclusions with reasons, and a category. ``LIMITATIONS.md`` in this folder says, per
family, what is never generated.
"""

from fuel.catalog.families import (
    binary,
    conversion,
    indexing,
    layers,
    linalg,
    masked,
    misc,
    nn_functional,
    reduction,
    shape,
    spectral,
    unary,
)

__all__ = [
    "binary",
    "conversion",
    "indexing",
    "layers",
    "linalg",
    "masked",
    "misc",
    "nn_functional",
    "reduction",
    "shape",
    "spectral",
    "unary",
]
