"""The operator catalog: what torch's operators and nn layers accept, as data.

Built from torch's own knowledge (the OpInfo and ModuleInfo test databases that ship
in the wheel), probed on CPU tensors and meta tensors, and cached per torch version.
It describes operators; it emits no code and runs no programs.

====================  ===========================================  =====================
hook                  default                                      caller
====================  ===========================================  =====================
``load_catalog()``    cached build for the installed torch         generator, campaign
``Catalog.names()``   usable operator names, sorted                the operator heuristic
``Catalog.require``   exact names, one-line error otherwise        ``generate(ops=...)``
``@family``           one module per family in ``families/``       ``build.build``
``domains.GUARDS``    value guards (divisors, shifts, casts...)    probe and generator
====================  ===========================================  =====================
"""

from fuel.catalog.catalog import Catalog, load_catalog
from fuel.catalog.spec import (
    DTYPES,
    FLOAT_DTYPES,
    INT_DTYPES,
    Call,
    CallKind,
    Guard,
    OpSpec,
    Role,
    Slot,
    Template,
)

__all__ = [
    "DTYPES",
    "FLOAT_DTYPES",
    "INT_DTYPES",
    "Call",
    "CallKind",
    "Catalog",
    "Guard",
    "OpSpec",
    "Role",
    "Slot",
    "Template",
    "load_catalog",
]
