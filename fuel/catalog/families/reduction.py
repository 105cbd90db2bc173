"""Reductions and scans (ReductionOpInfo entries, plus argmax-like, cumulative and
order-statistic operators): sum, amax, var_mean, cumsum, logcumsumexp, kthvalue..."""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.families._claims import info_class
from fuel.catalog.registry import Family, family

REDUCTION_LIKE = {
    "argmax",
    "argmin",
    "cumsum",
    "cumprod",
    "cummax",
    "cummin",
    "logcumsumexp",
    "max",
    "min",
    "median",
    "nanmedian",
    "mode",
    "kthvalue",
    "std",
    "var",
    "std_mean",
    "var_mean",
    "logsumexp",
    "norm",
    "aminmax",
    "count_nonzero",
    "topk",
    "sort",
    "argsort",
    "msort",
    "histc",
    "quantile",
    "nanquantile",
    "renorm",
    "dist",
    "trace",
    "diff",
    "cov",
    "corrcoef",
}


@family
class Reduction(Family):
    name: ClassVar[str] = "reduction"
    category: ClassVar[str] = "reduction"
    priority: ClassVar[int] = 20

    def claims(self, info: Any) -> bool:
        return info_class(info) == "ReductionOpInfo" or info.name in REDUCTION_LIKE
