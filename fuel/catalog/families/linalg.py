"""Linear algebra: matmul-like products, decompositions, solvers, norms.

Solvers and decompositions raise on NaN or infinite input (LAPACK refuses them); the
probe marks such templates ``finite_only`` and the generator guards their inputs.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.families._claims import defined_in
from fuel.catalog.registry import Family, family

PRODUCTS = {
    "matmul",
    "mm",
    "bmm",
    "addmm",
    "addbmm",
    "baddbmm",
    "addmv",
    "addr",
    "mv",
    "dot",
    "vdot",
    "inner",
    "outer",
    "ger",
    "kron",
    "tensordot",
    "chain_matmul",
    "einsum",
    "cholesky",
    "cholesky_inverse",
    "cholesky_solve",
    "inverse",
    "det",
    "logdet",
    "slogdet",
    "svd",
    "qr",
    "lu",
    "lu_solve",
    "lu_unpack",
    "triangular_solve",
    "matrix_exp",
    "pinverse",
    "geqrf",
    "ormqr",
    "cross",
    "tril",
    "triu",
    "diag",
    "diag_embed",
    "diagonal",
    "block_diag",
    "cdist",
    "trapz",
    "trapezoid",
    "cumulative_trapezoid",
}


@family
class Linalg(Family):
    name: ClassVar[str] = "linalg"
    category: ClassVar[str] = "linalg"
    priority: ClassVar[int] = 10

    def claims(self, info: Any) -> bool:
        name = str(info.name)
        return (
            name.startswith("linalg.") or name in PRODUCTS or defined_in(info).endswith(".linalg")
        )
