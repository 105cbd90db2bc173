"""same_bug: what counts as the same bug while a program shrinks."""

from __future__ import annotations

from fuel.judge.signature import Signature, same_bug, value_category
from fuel.judge.verdict import CrashEvidence, Kind, NumericEvidence, Outcome, Verdict


def crash(exc_type: str, message: str, kind: Kind = Kind.COMPILE_CRASH) -> Verdict:
    return Verdict(Outcome.BUG, kind, crash=CrashEvidence(exc_type, message))


def numeric(where: str, dtype: str = "float32", kind: Kind = Kind.NUMERIC_MISMATCH) -> Verdict:
    evidence = NumericEvidence(where, dtype, (4,), 1.0, 1.0, 1, 4)
    return Verdict(Outcome.BUG, kind, numeric=evidence)


def test_crashes_match_on_type_and_normalised_message() -> None:
    a = crash("torch._inductor.exc.InductorError", "bad shape [8, 16] for buf3")
    b = crash("torch._inductor.exc.InductorError", "bad shape [1, 1] for buf12")
    assert same_bug(a, b)
    assert not same_bug(a, crash("torch._inductor.exc.InductorError", "other message"))
    assert not same_bug(a, crash("RuntimeError", "bad shape [8, 16] for buf3"))
    eager_only = crash("RuntimeError", "bad shape [8, 16] for buf3", Kind.EAGER_ONLY_ERROR)
    assert not same_bug(a, eager_only)


def test_value_mismatches_match_on_kind_category_and_dtype() -> None:
    assert same_bug(numeric("output[0]"), numeric("output[3]"))
    assert not same_bug(numeric("output[0]"), numeric("input[0]"))
    assert not same_bug(numeric("output[0]"), numeric("output[0]", "float16"))
    assert not same_bug(numeric("output[0]"), numeric("output[0]", kind=Kind.NAN_INF_MISMATCH))


def test_only_bugs_match() -> None:
    assert not same_bug(numeric("output[0]"), Verdict(Outcome.PASS))
    assert not same_bug(Verdict(Outcome.PASS), Verdict(Outcome.PASS))


def test_deaths_match_on_their_signature() -> None:
    segv = Signature.from_legacy("crash_signal|compiled|SIGSEGV")
    died = Verdict(Outcome.BUG, Kind.CRASH_SIGNAL, signature=segv)
    assert same_bug(died, died)
    abort = Signature.from_legacy("crash_signal|compiled|SIGABRT")
    other = Verdict(Outcome.BUG, Kind.CRASH_SIGNAL, signature=abort)
    assert not same_bug(died, other)


def test_value_category() -> None:
    assert value_category("output[2]") == "output"
    assert value_category("grad:param:lin.weight") == "grad"
    assert value_category("buffer:running_mean") == "buffer"
