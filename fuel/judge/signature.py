"""A bug's identity: the one place that decides when two reports are the same bug.

A :class:`Signature` is a frozen record of what two reports of one bug have in common.
For a crash: the kind, the innermost exception type, its first message line with
numbers, shapes, addresses, paths and generated names normalised, and the innermost
torch frame. For a death (signal, timeout, out of memory): the kind, the phase and the
manner. For a value mismatch: the kind, the dtype, the sort of value (an output, an
input mutated in place, a gradient) and the aten operators the program ran.

Three views of it serve three rooms:

* ``text``: the stored form. It names the bug in ``campaign.db`` and in users'
  known-issue files (globs match it), so its format is versioned by ``SCHEMA``; a
  change of format comes with a store migration.
* ``id``: the only hash, 12 hex digits of the text's SHA-1: ``bugs/<id>/``.
* ``core()``: the reducer's looser "same bug". A value mismatch's operators are what
  shrinking changes, and a crash's frame may move as the program shrinks, so the core
  keeps only what a smaller program showing the same bug must still share.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from fuel.execute.options import CompileSetting, ordered, texts
from fuel.execute.records import Failure, Phase
from fuel.judge.kinds import EAGER_KINDS, Kind, Stage
from fuel.judge.stage import chain_frames, innermost, torch_relative

if TYPE_CHECKING:
    from fuel.judge.verdict import Verdict

SCHEMA = 1  # the text form: kind|exc|message|frame, kind|phase|manner, kind|dtype|ops
MAX_MESSAGE_CHARS = 160
VALUE_KINDS = (Kind.NUMERIC_MISMATCH, Kind.NAN_INF_MISMATCH)
MISMATCH_KINDS = (*VALUE_KINDS, Kind.DTYPE_MISMATCH, Kind.SHAPE_MISMATCH, Kind.MUTATION_MISMATCH,
                  *sorted(EAGER_KINDS))  # fmt: skip
PHASES = frozenset(p.value for p in Phase)
KIND_NAMES = frozenset(k.value for k in Kind)

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


@dataclass(frozen=True, slots=True)
class Signature:
    kind: Kind
    stage: Stage | None = None
    exc_type: str = ""  # crash: the innermost exception's type
    message: str = ""  # crash: normalised first line; death: how the worker ended
    frame: str = ""  # crash: innermost torch frame, 'torch/_inductor/x.py:function'
    phase: str = ""  # death: the phase the worker died in
    dtype: str = ""  # value mismatch: the dtype of the value that differs
    operators: tuple[str, ...] = field(default=())  # value mismatch: aten ops, sorted
    value: str = ""  # value mismatch: output | input | buffer | param | grad
    target: str = ""  # the target that shows it, but torch.compile's (export, aoti)

    @property
    def text(self) -> str:
        """The stored form (format version ``SCHEMA``); another target than
        torch.compile's comes first (``export|numeric_mismatch|float32|aten.add``)."""
        return f"{self.target}|{self._text()}" if self.target else self._text()

    def _text(self) -> str:
        if self.exc_type:
            short = self.exc_type.rsplit(".", 1)[-1]
            return "|".join((self.kind.value, short, self.message, self.frame))
        if self.phase:
            return "|".join((self.kind.value, self.phase, self.message))
        if self.kind in MISMATCH_KINDS:
            return "|".join((self.kind.value, self.dtype, ",".join(self.operators)))
        return "|".join((self.kind.value, self.message))

    @property
    def id(self) -> str:
        return hashlib.sha1(self.text.encode()).hexdigest()[:12]

    def core(self) -> tuple[str, ...]:
        """What a reduced program must share with the original to be the same bug."""
        if self.exc_type:
            return (self.kind.value, self.exc_type.rsplit(".", 1)[-1], self.message)
        if self.kind in MISMATCH_KINDS and not self.phase:
            return (self.kind.value, self.value, self.dtype)
        return (self.text,)

    @classmethod
    def from_legacy(cls, text: str) -> Signature | None:
        """The record a stored text stands for (the form verdicts kept before records);
        None for the empty text that verdicts without a bug carried."""
        if not text:
            return None
        parts = text.split("|")
        if parts[0] not in KIND_NAMES:  # a target's, not torch.compile's
            legacy = cls.from_legacy("|".join(parts[1:]))
            return replace(legacy, target=parts[0]) if legacy is not None else None
        kind = Kind(parts[0])
        if len(parts) >= 4:
            return cls(kind, exc_type=parts[1], message="|".join(parts[2:-1]), frame=parts[-1])
        if len(parts) == 3 and parts[1] in PHASES and kind not in MISMATCH_KINDS:
            return cls(kind, phase=parts[1], message=parts[2])
        if len(parts) == 3 and kind in MISMATCH_KINDS:
            return cls(kind, dtype=parts[1], operators=tuple(o for o in parts[2].split(",") if o))
        return cls(kind, message="|".join(parts[1:]))


# Calls that only move or convert data: a reduced program keeps them to feed the
# operator that shows the bug, so two reduced programs that differ only in these
# (a cast to bfloat16 first, a reshape) show one root cause.
PLUMBING = frozenset(
    f"{owner}.{name}"
    for owner in ("Tensor", "torch")
    for name in (
        "to", "type", "float", "double", "half", "bfloat16", "int", "long", "short", "bool",
        "byte", "char", "reshape", "view", "view_as", "flatten", "squeeze", "unsqueeze",
        "contiguous", "clone", "detach", "expand", "expand_as", "reshape_as",
    )
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RootCause:
    """A bug's class: what reduced programs showing one root cause have in common.

    Read from the *reduced* program, not the generated one: the operators that remain
    (plumbing aside), the symptom, the layer that bisection found (else the stage),
    for a crash the exception and its normalised message, and the compile settings it
    needs once they are bisected to a minimum. Variants of a class differ in dtypes,
    shapes, unneeded settings and the rest of the program.

    ``component`` is the code the class was traced to (``decomposition:torch/_decomp/
    decompositions.py:multi_margin_loss``), when torch's bisector or a run alone found
    it. It is carried, not part of the identity: classes of different operators with one
    component and symptom are folded into one report, not merged into one class."""

    kind: Kind
    layer: str = ""  # the first backend that shows it, or the crash's stage
    operators: tuple[str, ...] = ()  # the reduced forward's operators, sorted
    exc_type: str = ""
    message: str = ""
    settings: tuple[CompileSetting, ...] = ()  # the compile settings it needs (sorted)
    component: str = field(default="", compare=False)  # the code it was traced to, or ""

    @property
    def text(self) -> str:
        """The stored form; known-issue ``class:`` globs match it."""
        short = self.exc_type.rsplit(".", 1)[-1]
        text = "|".join((self.kind.value, self.layer, ",".join(self.operators), short,
                         self.message))  # fmt: skip
        return f"{text}|{','.join(texts(self.settings))}" if self.settings else text

    @property
    def id(self) -> str:
        return hashlib.sha1(f"class|{self.text}".encode()).hexdigest()[:12]


def root_cause(
    verdict: Verdict,
    operators: list[str] | tuple[str, ...],
    settings: tuple[CompileSetting, ...] = (),
) -> RootCause:
    """The class of a reduced program's bug, from its verdict, its forward's operators and
    the compile settings it needs."""
    signature = identity_of(verdict)
    kept = [op for op in operators if op not in PLUMBING] or list(operators)
    layer = verdict.bisect.first if verdict.bisect and verdict.bisect.first else ""
    if not layer and verdict.stage is not None:
        layer = verdict.stage.value
    return RootCause(
        kind=signature.kind,
        layer=layer,
        operators=tuple(sorted(set(kept))),
        exc_type=signature.exc_type.rsplit(".", 1)[-1],
        message=signature.message if signature.exc_type or signature.phase else "",
        settings=ordered(settings),
    )


def same_bug(target: Verdict, candidate: Verdict) -> bool:
    """Does ``candidate`` show the bug ``target`` shows (the reducer's rule)?"""
    if not (target.is_bug and candidate.is_bug and target.kind is candidate.kind):
        return False
    return identity_of(target).core() == identity_of(candidate).core()


def evidence_key(verdict: Verdict) -> str | None:
    """For a value mismatch, its kind and the exact figures of its evidence; else None.

    A numeric signature names every aten operator the program ran, so a mutant that
    changed an unrelated part of the program gets a new signature for the same wrong
    output: an equal evidence key says it is one bug seen twice."""
    if verdict.kind not in VALUE_KINDS or verdict.numeric is None:
        return None
    return f"{verdict.kind.value}|{verdict.numeric.key()}"


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


def crash_signature(kind: Kind, failure: Failure, stage: Stage | None = None) -> Signature:
    inner = innermost(failure)
    return Signature(kind, stage, exc_type=inner.exc_type,
                     message=normalise_message(inner.message),
                     frame=top_torch_frame(failure))  # fmt: skip


def death_signature(kind: Kind, manner: str, phase: str, stage: Stage | None = None) -> Signature:
    return Signature(kind, stage, message=manner, phase=phase)


def numeric_signature(
    kind: Kind, dtype: str, ops: tuple[str, ...], value: str = ""
) -> Signature:
    return Signature(kind, dtype=dtype, operators=tuple(sorted(set(ops))), value=value)


def identity_of(verdict: Verdict) -> Signature:
    """A bug verdict's signature. The judge gives every bug one; for a verdict made
    without (by hand, in a test), it is derived from the evidence, or else from the
    kind and the detail."""
    if verdict.signature is not None:
        return verdict.signature
    kind = verdict.kind or Kind.COMPILE_CRASH
    if verdict.crash is not None and kind not in MISMATCH_KINDS and not verdict.crash.signal:
        return Signature(kind, verdict.stage, exc_type=verdict.crash.exc_type,
                         message=normalise_message(verdict.crash.message))  # fmt: skip
    if verdict.numeric is not None and kind in MISMATCH_KINDS:
        evidence = verdict.numeric
        return numeric_signature(kind, evidence.dtype, operator_names(verdict.ops),
                                 value_category(evidence.where))  # fmt: skip
    return Signature(kind, message=verdict.detail)


def value_category(where: str) -> str:
    """output[1] -> output; grad:param:w -> grad; input[0] -> input; buffer:b -> buffer."""
    return re.split(r"[\[:]", where, maxsplit=1)[0]


def operator_names(aten_ops: tuple[str, ...]) -> tuple[str, ...]:
    """'aten.add.Tensor' -> 'aten.add', dropping overloads; order kept, duplicates dropped."""
    names: dict[str, None] = {}
    for op in aten_ops:
        parts = op.split(".")
        names.setdefault(".".join(parts[:2]) if len(parts) > 2 else op, None)
    return tuple(names)
