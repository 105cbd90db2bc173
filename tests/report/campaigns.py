"""A small campaign written through the store's own API, for report tests."""

from __future__ import annotations

from pathlib import Path

from fuel.execute.records import CoverageDelta
from fuel.judge.signature import Signature
from fuel.judge.verdict import CrashEvidence, Kind, NumericEvidence, Outcome, Verdict
from fuel.program.record import Program
from fuel.reduce.simpler import Size
from fuel.store import CampaignStore, Environment
from fuel.store.bugdir import BugFiles, Confirmation, ReductionReport
from fuel.store.records import NewTest

ENVIRONMENT = Environment("2.13.0+cpu", "3.11", "0.1.0", "test cpu", "linux")
SETTINGS = {"generator": "builtin", "heuristic": "uniform", "options": {"backend": "eager"}}
NUMERIC = Verdict(
    Outcome.BUG,
    Kind.NUMERIC_MISMATCH,
    detail="output[0]: values differ",
    signature=Signature.from_legacy("numeric_mismatch|float32|aten.remainder"),
    numeric=NumericEvidence("output[0]", "float32", (4,), 1.0, 1.0, 4, 4),
)
CRASH = Verdict(
    Outcome.BUG,
    Kind.COMPILE_CRASH,
    detail="compiled raised RuntimeError: <b>boom</b>",
    signature=Signature.from_legacy("compile_crash|RuntimeError|boom|"),
    crash=CrashEvidence("RuntimeError", "<b>boom</b>"),
)


def make_campaign(out: Path, tests: int = 30) -> list[str]:
    """``tests`` tests over three operators, two unique bugs; their bug ids."""
    store = CampaignStore.create(out, SETTINGS, ENVIRONMENT)
    store.start_run(["fuel", "fuzz"])
    ops_cycle = (("remainder",), ("add", "mul"), ("remainder", "sum"))
    for index in range(tests):
        if index == 7:
            verdict = NUMERIC
        elif index in (12, 20):
            verdict = CRASH
        elif index % 5 == 0:
            verdict = Verdict(Outcome.INVALID, detail="eager raised")
        else:
            verdict = Verdict(Outcome.PASS)
        source = f"import torch\n# test {index}\n"
        coverage = CoverageDelta((("torch/_inductor/lowering.py", tuple(range(index * 3))),))
        program = Program(source, f"t{index}", ops=ops_cycle[index % 3], origin="builtin")
        store.record(NewTest(program, verdict, store.novelty(verdict, coverage)))
    store.finish_run("done")
    ids = [bug.signature_id for bug in store.bugs()]
    store.close()
    return ids


def add_reduction(bug_dir: Path) -> None:
    """What fuel reduce leaves in a bug directory, without running it."""
    (bug_dir / "reduced.py").write_text("import torch\n")
    (bug_dir / "repro.py").write_text("import torch\n")
    title = "[inductor] torch.remainder returns wrong values"
    (bug_dir / "report.md").write_text(f"# {title}\n")
    before, after = Size(18, 30, 400, 90, 0, 0, 900), Size(2, 6, 40, 4, 0, 0, 120)
    confirmed = Confirmation(True, 1, False, 12.0, "BUG")
    reduction = ReductionReport("fixed_point", "", 30.0, 40, before, after, repro=confirmed,
                                title=title)  # fmt: skip
    BugFiles(bug_dir).write_record(BugFiles(bug_dir).reduction, reduction)
