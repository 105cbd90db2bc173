"""Bug signatures: what two reports of the same bug have in common.

For a crash: the kind, the innermost exception type, its first message line with
numbers, shapes, addresses, paths and generated names normalised, and the innermost
torch frame. For a value mismatch: the kind, the dtype and the aten operators the
program ran. Signatures are plain text; a hash of one names a bug's directory.
"""

from __future__ import annotations

import re

from fuel.execute.records import Failure
from fuel.judge.stage import chain_frames, innermost, torch_relative
from fuel.judge.verdict import Kind, Verdict

MAX_MESSAGE_CHARS = 160
VALUE_KINDS = (Kind.NUMERIC_MISMATCH, Kind.NAN_INF_MISMATCH)

_REPLACEMENTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"(/[\w.\-]+)+/?", "<path>"),
        (r"0x[0-9a-fA-F]+", "<addr>"),
        # generated names: buffers, graph arguments, sympy symbols of sizes and indices
        (
            r"\b(buf|tmp|arg|primals|tangents|getitem|view|idx|indirect|r0_|x|y|z|s|u|q|i|d|p"
            r"|ps|zuf|ks)\d+(_\d+)*\b",
            r"\1#",
        ),
        (r"\bL\[['\"][^'\"]*['\"]\]", "L[#]"),
        (r"\bL_\w+_\b", "L_#_"),
        (r"\btorch\.Size\(\[[^\]]*\]\)", "<shape>"),
        (r"[\[(]\s*-?\d+(\s*,\s*-?\d+)*\s*,?\s*[\])]", "<shape>"),
        (r"(?<![\w.])-?\d+(\.\d+)?(e[-+]?\d+)?\b", "#"),
        (r"\s+", " "),
    )
)


def normalise_message(message: str) -> str:
    lines = [line for line in message.strip().splitlines() if line.strip()]
    text = lines[0] if lines else ""
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return text.strip()[:MAX_MESSAGE_CHARS]


def top_torch_frame(failure: Failure) -> str:
    """The innermost torch frame as 'torch/path.py:function' (no line numbers)."""
    for frame in reversed(chain_frames(failure)):
        relative = torch_relative(frame.filename)
        if relative:
            return f"{relative}:{frame.function}"
    return ""


def crash_signature(kind: Kind, failure: Failure) -> str:
    inner = innermost(failure)
    exc_type = inner.exc_type.rsplit(".", 1)[-1]
    return "|".join(
        (kind.value, exc_type, normalise_message(inner.message), top_torch_frame(failure))
    )


def death_signature(kind: Kind, detail: str, phase: str) -> str:
    return "|".join((kind.value, phase, detail))


def numeric_signature(kind: Kind, dtype: str, ops: tuple[str, ...]) -> str:
    return "|".join((kind.value, dtype, ",".join(sorted(set(ops)))))


def evidence_key(verdict: Verdict) -> str | None:
    """For a value mismatch, the exact numbers of its evidence, as text; else None.

    A numeric signature names every aten operator the program ran, so a mutant that
    changed an unrelated part of the program gets a new signature for the same wrong
    output. Two mismatches with the same dtype, shape, count of wrong elements and the
    same differences and float64 errors (to four figures) are one bug seen twice."""
    evidence = verdict.numeric
    if verdict.kind not in VALUE_KINDS or evidence is None:
        return None
    figures = (evidence.max_abs_diff, evidence.max_rel_diff, evidence.eager_fp64_error,
               evidence.compiled_fp64_error)  # fmt: skip
    return "|".join(
        (
            verdict.kind.value if verdict.kind else "",
            evidence.dtype,
            str(list(evidence.shape)),
            f"{evidence.mismatched}/{evidence.total}",
            ",".join("-" if f is None else f"{f:.4g}" for f in figures),
            evidence.eager_value,
            evidence.compiled_value,
        )
    )


def operator_names(aten_ops: tuple[str, ...]) -> tuple[str, ...]:
    """'aten.add.Tensor' -> 'aten.add', dropping overloads; order kept, duplicates dropped."""
    names: dict[str, None] = {}
    for op in aten_ops:
        parts = op.split(".")
        names.setdefault(".".join(parts[:2]) if len(parts) > 2 else op, None)
    return tuple(names)
