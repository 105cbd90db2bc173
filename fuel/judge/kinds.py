"""The judge's vocabulary: what a test came to, the symptom of a bug, where it was raised."""

from __future__ import annotations

import enum


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
    # Eager's own bugs (fuel.judge.eager_side): eager is the broken side, compiled is right.
    EAGER_LAYOUT = "eager_layout"  # eager's result moves with the layout of its inputs
    EAGER_ROUNDING = "eager_rounding"  # eager rounds an integer result wrongly
    # Not a bug's symptom: a target's trace (torch.export) refused the program. Invalid
    # for that target where torch.compile(fullgraph=True) cannot capture it either; a
    # lead (skipped, counted) where it can (fuel.judge.judge.judge_refusal).
    TARGET_REFUSED = "target_refused"


# Kinds that blame eager, not the compiler: counted, shown and reported apart.
EAGER_KINDS = frozenset({Kind.EAGER_LAYOUT, Kind.EAGER_ROUNDING})


class Stage(str, enum.Enum):
    """Where in the pipeline a failure was raised."""

    EAGER = "eager"
    DYNAMO = "dynamo"
    EXPORT = "export"  # torch.export's tracing and the exported program
    AOT = "aot"  # AOTAutograd, functionalization, decompositions
    LOWERING = "inductor_lowering"
    CODEGEN = "codegen"
    CPP_COMPILE = "cpp_compile"
    RUNTIME = "runtime"
    UNKNOWN = "unknown"
