"""Runs one program's phases in this interpreter, with no pool and no sandbox, and
prints its verdict as one JSON line: how a test judges a program under another build of
torch, whose interpreter has torch and numpy but none of fuel's other dependencies.

    PYTHONPATH=<checkout> <python> -m tests.judge.run_alone PROGRAM.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main(path: str) -> None:
    import torch

    from fuel.execute.records import CompileOptions, ExitStatus, Phase, RunOutcome, RunResult
    from fuel.execute.runner import instantiate, run_phases
    from fuel.execute.worker import configure_torch
    from fuel.judge.judge import judge
    from fuel.program import load_source

    configure_torch(threads=1)
    spec = load_source(Path(path).read_text(encoding="utf-8"))
    options = CompileOptions()
    outcomes: list[RunOutcome] = []
    with tempfile.TemporaryDirectory() as folder:
        instance = instantiate(spec, Path(folder), options.home_device, options.seed)
        probe = run_phases(instance, options, lambda phase: None, outcomes.append)
    verdict = judge(RunResult(ExitStatus.COMPLETED, tuple(outcomes), probe=probe), options)
    ran: list[Phase] = [outcome.phase for outcome in outcomes]
    print(json.dumps({"torch": torch.__version__, "outcome": verdict.outcome.value,
                      "kind": verdict.kind.value if verdict.kind else None,
                      "detail": verdict.detail, "phases": [p.value for p in ran]}))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1])
