"""A regression test for a bug, in the style of PyTorch's own Inductor tests.

``test/inductor/test_torchinductor.py`` compares eager and compiled with
``self.common(fn, args)``; the report offers the reduced program as such a method,
ready to paste into a fix (it fails until the bug is fixed).
"""

from __future__ import annotations

import re
import textwrap

from fuel.judge.verdict import Verdict
from fuel.program.record import ProgramSpec
from fuel.report.repro import program_parts

INDENT = " " * 4


def test_name(operators: list[str], verdict: Verdict) -> str:
    """test_fuzzer_std_mean_nan_inf_mismatch, from the operators and the symptom."""
    first = operators[0] if operators else "program"
    stem = re.sub(r"[^0-9a-zA-Z]+", "_", first.rsplit(".", 1)[-1]).strip("_").lower()
    kind = verdict.kind.value if verdict.kind else "bug"
    return f"test_fuzzer_{stem}_{kind}"


def render_regression_test(spec: ProgramSpec, name: str) -> str:
    parts = program_parts(spec)
    body = parts.body.rstrip() + "\n\n" + parts.inputs
    args = parts.args.removeprefix("*")
    call = f"self.common({parts.model}, {args})" if parts.args.startswith("*") else (
        f"self.common({parts.model}, ({args},))")  # fmt: skip
    method = f"def {name}(self):\n" + textwrap.indent(body + call + "\n", INDENT)
    return textwrap.indent(method, INDENT)
