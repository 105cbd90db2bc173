"""The evidence behind a bug verdict: the numbers of a mismatch, the error of a crash."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NumericEvidence:
    """The numbers behind a value mismatch, measured against the float64 reference."""

    where: str  # output[0], input[1] (mutated in place), grad:param:lin.weight
    dtype: str
    shape: tuple[int, ...]
    max_abs_diff: float
    max_rel_diff: float
    mismatched: int
    total: int
    eager_fp64_error: float | None = None
    compiled_fp64_error: float | None = None
    worst_index: tuple[int, ...] = ()
    eager_value: str = ""
    compiled_value: str = ""
    reference_value: str = ""

    def key(self) -> str:
        """The exact figures of this evidence, as text: equal keys, equal wrong numbers.

        Two mismatches with the same dtype, shape, count of wrong elements, the same
        differences and float64 errors (to four figures) and the same worst values are
        the same wrong output, however the rest of the program differs."""
        figures = (self.max_abs_diff, self.max_rel_diff, self.eager_fp64_error,
                   self.compiled_fp64_error)  # fmt: skip
        return "|".join(
            (
                self.dtype,
                str(list(self.shape)),
                f"{self.mismatched}/{self.total}",
                ",".join("-" if f is None else f"{f:.4g}" for f in figures),
                self.eager_value,
                self.compiled_value,
            )
        )


@dataclass(frozen=True, slots=True)
class CrashEvidence:
    exc_type: str
    message: str
    frames: tuple[str, ...] = ()  # the last torch frames, "torch/_inductor/x.py:12 in f"
    signal: int | None = None
