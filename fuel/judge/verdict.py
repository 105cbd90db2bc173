"""The verdict: what fuel concluded about one test, as a small JSON-ready record."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


class Outcome(str, enum.Enum):
    PASS = "pass"
    INVALID = "invalid"  # eager itself fails: the program is wrong, not the compiler
    BUG = "bug"
    SKIPPED = "skipped"  # cannot be judged (nondeterministic eager, random operators)
    REJECTED = "rejected"  # did not load, failed the static check, or hit the sandbox


class Kind(str, enum.Enum):
    """The symptom of a bug (or of an invalid program that hung or ran out of memory)."""

    COMPILE_CRASH = "compile_crash"
    EAGER_ONLY_ERROR = "eager_only_error"
    NUMERIC_MISMATCH = "numeric_mismatch"
    NAN_INF_MISMATCH = "nan_inf_mismatch"
    DTYPE_MISMATCH = "dtype_mismatch"
    SHAPE_MISMATCH = "shape_mismatch"
    MUTATION_MISMATCH = "mutation_mismatch"
    CRASH_SIGNAL = "crash_signal"
    TIMEOUT = "timeout"
    OOM = "oom"


class Stage(str, enum.Enum):
    """Where in the pipeline a failure was raised."""

    EAGER = "eager"
    DYNAMO = "dynamo"
    AOT = "aot"  # AOTAutograd, functionalization, decompositions
    LOWERING = "inductor_lowering"
    CODEGEN = "codegen"
    CPP_COMPILE = "cpp_compile"
    RUNTIME = "runtime"
    UNKNOWN = "unknown"


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


@dataclass(frozen=True, slots=True)
class CrashEvidence:
    exc_type: str
    message: str
    frames: tuple[str, ...] = ()  # the last torch frames, "torch/_inductor/x.py:12 in f"
    signal: int | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    kind: Kind | None = None
    stage: Stage | None = None
    detail: str = ""
    signature: str = ""
    numeric: NumericEvidence | None = None
    crash: CrashEvidence | None = None
    ops: tuple[str, ...] = ()
    bisect: str | None = None
    seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def is_bug(self) -> bool:
        return self.outcome is Outcome.BUG

    @property
    def signature_id(self) -> str:
        """A short stable name for the signature, fit for a directory name."""
        return hashlib.sha1(self.signature.encode()).hexdigest()[:12] if self.signature else ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = data.pop("outcome")
        return json.loads(json.dumps(data, default=_plain))  # enums -> values

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        numeric = data.get("numeric")
        crash = data.get("crash")
        return cls(
            outcome=Outcome(data["verdict"]),
            kind=Kind(data["kind"]) if data.get("kind") else None,
            stage=Stage(data["stage"]) if data.get("stage") else None,
            detail=data.get("detail", ""),
            signature=data.get("signature", ""),
            numeric=_numeric(numeric) if numeric else None,
            crash=_crash(crash) if crash else None,
            ops=tuple(data.get("ops", ())),
            bisect=data.get("bisect"),
            seconds=data.get("seconds", 0.0),
            phase_seconds=dict(data.get("phase_seconds", {})),
        )

    @classmethod
    def from_json(cls, text: str) -> Verdict:
        return cls.from_dict(json.loads(text))


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float) and value != value:
        return None
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _numeric(data: dict[str, Any]) -> NumericEvidence:
    fields = {**data, "shape": tuple(data["shape"]), "worst_index": tuple(data["worst_index"])}
    return NumericEvidence(**fields)


def _crash(data: dict[str, Any]) -> CrashEvidence:
    return CrashEvidence(**{**data, "frames": tuple(data["frames"])})
