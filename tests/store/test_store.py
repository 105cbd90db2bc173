"""The campaign store: round trip, dedup, known issues, coverage union, files, locking."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from fuel import serial
from fuel.errors import FuelError, UsageError
from fuel.execute.records import CoverageDelta
from fuel.judge.signature import Signature, identity_of
from fuel.judge.verdict import CrashEvidence, Kind, Outcome, Stage, Verdict
from fuel.program.record import Program
from fuel.store import CampaignStore, Environment, NewTest
from fuel.store.known import parse_known_issues

ENV = Environment("2.13.0", "3.11.7", "0.1.0", "Test CPU", "Linux")


def program(n: int, ops: tuple[str, ...] = ("relu",)) -> Program:
    return Program(f"# program {n}\nimport torch\n", f"p{n}", n, ops, "builtin", '{"n": 1}')


def crash(message: str = "boom") -> Verdict:
    return Verdict(
        Outcome.BUG,
        Kind.COMPILE_CRASH,
        Stage.LOWERING,
        f"compiled raised X: {message}",
        signature=Signature.from_legacy(f"compile_crash|X|{message}|torch/_inductor/lowering.py:f"),
        crash=CrashEvidence("X", message),
        ops=("aten.relu",),
    )


def add(
    store: CampaignStore,
    n: int,
    verdict: Verdict,
    lines: dict[str, tuple[int, ...]] | None = None,
    parent: int | None = None,
    corpus: bool = False,
) -> int:
    delta = CoverageDelta(tuple((lines or {}).items()))
    novelty = store.novelty(verdict, delta)
    entry = NewTest(program(n), verdict, novelty, parent, corpus, 1.5, 0.01)
    return store.record(entry).test_id


@pytest.fixture
def store(tmp_path: Path) -> CampaignStore:
    created = CampaignStore.create(tmp_path / "out", {"generator": "toy", "seed": 7}, ENV)
    created.start_run(["fuel", "fuzz"])
    return created


def test_round_trip_of_tests_bugs_coverage_and_settings(store: CampaignStore) -> None:
    assert add(store, 1, Verdict(Outcome.PASS), {"torch/fx/a.py": (1, 2, 3)}, corpus=True) == 1
    invalid = Verdict(Outcome.INVALID, detail="eager raised")
    assert add(store, 2, invalid, {"torch/fx/a.py": (3, 4)}) == 2
    assert add(store, 3, crash(), {"torch/fx/b.py": (9,)}, parent=1) == 3
    assert add(store, 4, crash()) == 4  # a duplicate
    assert add(store, 5, Verdict(Outcome.SKIPPED)) == 5
    summary = store.summary()
    assert (summary.tests, summary.valid, summary.passed, summary.invalid) == (5, 4, 1, 1)
    assert (summary.bugs_unique, summary.bugs_total, summary.bugs_known) == (1, 2, 0)
    assert summary.covered_lines == 5 and summary.corpus == 1 and summary.running
    assert [(k.kind, k.unique, k.total) for k in summary.by_kind] == [("compile_crash", 1, 2)]
    assert store.settings() == {"generator": "toy", "seed": 7}
    assert store.meta("torch_version") == "2.13.0" and store.meta("cpu") == "Test CPU"
    history = list(store.history())
    assert [t.test_id for t in history] == [1, 2, 3, 4, 5]
    assert [t.new_lines for t in history] == [3, 1, 1, 0, 0]
    assert [t.new_bug for t in history] == [False, False, True, False, False]
    assert history[2].parent == 1 and history[0].program.ops == ("relu",)
    [entry] = store.corpus()
    assert entry.test_id == 1 and entry.times_mutated == 1 and entry.program == program(1)
    assert store.test_verdict(3) == crash()
    [bug] = store.bugs()
    assert (bug.first_test, bug.last_test, bug.count, bug.known) == (3, 4, 2, None)
    timeline = store.timeline()
    assert [row["covered_lines"] for row in timeline] == [3, 4, 5, 5, 5]
    assert [row["valid"] for row in timeline] == [1, 1, 2, 3, 4]
    assert [row["bugs_unique"] for row in timeline] == [0, 0, 1, 1, 1]
    assert [row["bugs_total"] for row in timeline] == [0, 0, 1, 2, 2]


def test_files_one_directory_per_signature_and_a_digest(store: CampaignStore) -> None:
    add(store, 1, crash("boom"))
    add(store, 2, crash("boom"))
    add(store, 3, crash("bang"))
    out = store.layout.out
    names = sorted(p.name for p in (out / "tests").iterdir())
    assert names == ["000001.py", "000002.py", "000003.py"]
    assert (out / "tests" / "000002.py").read_text() == program(2).source
    first_id = identity_of(crash("boom")).id
    directories = sorted(p.name for p in (out / "bugs").iterdir())
    assert directories == sorted([first_id, identity_of(crash("bang")).id])
    assert (out / "bugs" / first_id / "program.py").read_text() == program(1).source
    saved = serial.loads(Verdict, (out / "bugs" / first_id / "verdict.json").read_text())
    assert saved == crash("boom") and saved.signature is not None and saved.signature.id == first_id
    digest = (out / "bug_reports.txt").read_text()
    assert "2 root cause(s), 3 occurrence(s), 2 signature(s)" in digest  # none reduced yet
    assert f"{first_id}  compile_crash [inductor_lowering]  x2  first in test 1" in digest


def test_known_issues_are_counted_but_not_reported(tmp_path: Path) -> None:
    known = parse_known_issues("# already upstream\nmessage: went (wrong|bad)\n")
    store = CampaignStore.create(tmp_path / "out", {}, ENV, known)
    store.start_run([])
    add(store, 1, crash("went wrong"))
    add(store, 2, crash("went wrong"))
    add(store, 3, crash("new thing"))
    summary = store.summary()
    assert (summary.bugs_unique, summary.bugs_total, summary.bugs_known) == (1, 3, 2)
    assert [t.new_bug for t in store.history()] == [False, False, True]
    assert len(list((tmp_path / "out" / "bugs").iterdir())) == 1
    digest = (tmp_path / "out" / "bug_reports.txt").read_text()
    assert "known issues (not reported again): 2 occurrence(s) of 1 root cause(s)" in digest
    assert "    message: went (wrong|bad)  class " in digest


def test_known_issue_rules_parse_and_match() -> None:
    verdict = crash("boom")
    signature, signature_id = identity_of(verdict).text, identity_of(verdict).id
    rules = parse_known_issues(f"{signature_id}\nsignature: compile_crash|X|*\nmessage: ^zzz\n")
    assert rules.match(signature, signature_id, verdict) == signature_id
    assert parse_known_issues("signature: compile_crash|X|*").match(signature, "", verdict)
    assert parse_known_issues("message: ^zzz").match(signature, "", verdict) is None
    with pytest.raises(UsageError, match=r"rules.txt:2: expected a 12-hex"):
        parse_known_issues("# fine\nnot a rule\n", "rules.txt")
    with pytest.raises(UsageError, match="bad regular expression"):
        parse_known_issues("message: (unclosed")


def test_reopen_restores_coverage_and_rewrites_missing_files(store: CampaignStore) -> None:
    add(store, 1, crash(), {"torch/fx/a.py": (1, 2)})
    store.close()
    out = store.layout.out
    (out / "tests" / "000001.py").unlink()
    bug_dir = next((out / "bugs").iterdir())
    (bug_dir / "verdict.json").unlink()
    (out / "tests" / ".tmp-000002.py.123").write_text("half a fil")
    reopened = CampaignStore.open(out)
    assert (out / "tests" / "000001.py").read_text() == program(1).source
    assert serial.loads(Verdict, (bug_dir / "verdict.json").read_text()) == crash()
    assert not list((out / "tests").glob(".tmp-*"))
    novelty = reopened.novelty(Verdict(Outcome.PASS), CoverageDelta((("torch/fx/a.py", (2, 3)),)))
    assert novelty.lines_by_file == (("torch/fx/a.py", (3,)),)
    assert not reopened.novelty(crash(), CoverageDelta()).new_bug  # seen before the reopen
    reopened.start_run([])
    assert add(reopened, 2, Verdict(Outcome.PASS)) == 2
    assert reopened.summary().runs == 2


def test_one_writer_at_a_time_and_readers_beside_it(store: CampaignStore) -> None:
    out = store.layout.out
    with pytest.raises(UsageError, match="another fuel process is running"):
        CampaignStore.open(out)
    add(store, 1, Verdict(Outcome.PASS))
    with CampaignStore.read(out) as reader:
        summary = reader.summary()
        assert summary.tests == 1 and summary.running
    store.finish_run("round limit")
    store.close()
    with CampaignStore.read(out) as reader:
        summary = reader.summary()
        assert not summary.running and summary.stop_reason == "round limit"


def test_existing_campaign_is_not_overwritten_and_a_foreign_db_is_refused(
    store: CampaignStore, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="already holds a campaign"):
        CampaignStore.create(store.layout.out, {}, ENV)
    with pytest.raises(UsageError, match="holds no campaign"):
        CampaignStore.open(tmp_path / "nothing")
    store.close()
    conn = sqlite3.connect(store.layout.db)
    with conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(FuelError, match="schema version 99"):
        CampaignStore.read(store.layout.out)


def test_summary_json_has_the_documented_keys(store: CampaignStore) -> None:
    add(store, 1, Verdict(Outcome.PASS), {"torch/fx/a.py": (1,)})
    data = json.loads(json.dumps(store.summary().to_dict()))
    for key in ("tests", "valid", "bugs_unique", "bugs_total", "covered_lines", "elapsed_s"):
        assert key in data
    assert data["tests"] == 1 and data["covered_lines"] == 1


def mismatch(ops: tuple[str, ...], compiled_error: float = 0.115) -> Verdict:
    from fuel.judge.signature import numeric_signature
    from fuel.judge.verdict import NumericEvidence

    evidence = NumericEvidence(
        "output[2]", "float32", (4, 5), 0.5, 0.25, 3, 20,
        eager_fp64_error=3.73e-08, compiled_fp64_error=compiled_error,
    )  # fmt: skip
    return Verdict(
        Outcome.BUG,
        Kind.NUMERIC_MISMATCH,
        detail="output[2]: compiled is far from float64",
        signature=numeric_signature(Kind.NUMERIC_MISMATCH, "float32", ops),
        numeric=evidence,
        ops=ops,
    )


def test_the_same_wrong_numbers_from_a_mutant_are_one_bug(
    store: CampaignStore, tmp_path: Path
) -> None:
    """A mutant that changed an unrelated part gets other aten ops, so another numeric
    signature; the same evidence figures still make it a duplicate of the first."""
    add(store, 1, mismatch(("aten.mm", "aten.sum")))
    twin = store.novelty(mismatch(("aten.mm", "aten.sum", "aten.cos")), CoverageDelta())
    assert not twin.new_bug and twin.signature_id == store.bugs()[0].signature_id
    add(store, 2, mismatch(("aten.mm", "aten.sum", "aten.cos")))
    add(store, 3, mismatch(("aten.mm", "aten.exp"), compiled_error=0.2))  # other numbers
    bugs = store.bugs()
    assert [b.count for b in bugs] == [2, 1]
    store.close()
    reopened = CampaignStore.open(tmp_path / "out")  # the index is rebuilt from the tests
    try:
        again = reopened.novelty(mismatch(("aten.mm", "aten.tanh")), CoverageDelta())
        assert not again.new_bug and again.signature_id == bugs[0].signature_id
    finally:
        reopened.close()


def test_generated_symbol_names_do_not_split_a_crash() -> None:
    from fuel.judge.signature import normalise_message

    first = normalise_message("vr must not be None for symbol q0")
    assert first == normalise_message("vr must not be None for symbol q2")
    assert normalise_message("index r0_1 of ks0") == normalise_message("index r0_3 of ks2")


def test_an_unmeasured_test_is_stored_apart_from_one_that_reached_nothing_new(
    store: CampaignStore,
) -> None:
    add(store, 1, Verdict(Outcome.PASS), {"torch/fx/a.py": (1, 2)})
    add(store, 2, Verdict(Outcome.PASS))  # measured: nothing new
    unmeasured = store.novelty(crash(), None)
    assert not unmeasured.measured and unmeasured.new_bug and unmeasured.new_lines == 0
    store.record(NewTest(program(3), crash(), unmeasured))
    history = [(t.new_lines, t.measured, t.new_bug) for t in store.history()]
    assert history == [(2, True, False), (0, True, False), (0, False, True)]
    summary = store.summary()
    assert summary.measured == 2 and summary.covered_lines == 2


def eager_rounding(compiled_value: str) -> Verdict:
    from fuel.judge.signature import numeric_signature
    from fuel.judge.verdict import NumericEvidence

    evidence = NumericEvidence("output[0]", "uint8", (1, 3, 7, 5), 1.0, 0.05, 24, 105,
                               eager_value="20", compiled_value=compiled_value)  # fmt: skip
    return Verdict(Outcome.BUG, Kind.EAGER_ROUNDING, Stage.EAGER, "output[0]: eager is wrong",
                   signature=numeric_signature(Kind.EAGER_ROUNDING, "uint8",
                                               ("aten.upsample_bilinear2d",), "output"),
                   numeric=evidence)  # fmt: skip


def test_eager_bugs_are_counted_apart_from_compile_bugs(store: CampaignStore) -> None:
    add(store, 1, crash())
    add(store, 2, eager_rounding("21"))
    add(store, 3, eager_rounding("19"))
    summary = store.summary()
    assert (summary.bugs_unique, summary.bugs_total) == (1, 1)
    assert [(k.kind, k.unique, k.total) for k in summary.by_kind] == [("compile_crash", 1, 1)]
    assert [(k.kind, k.unique, k.total) for k in summary.eager_bugs] == [("eager_rounding", 1, 2)]
    data = summary.to_dict()
    assert data["eager_bugs"] == {"eager_rounding": {"unique": 1, "total": 2}}
    assert data["root_causes"]["new"] == 1
