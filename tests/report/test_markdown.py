"""report.md: the title names operators and symptom; the sections a maintainer expects."""

from __future__ import annotations

from dataclasses import replace

from fuel.execute.records import CompileOptions
from fuel.judge.verdict import (
    Bisection,
    CrashEvidence,
    Kind,
    NumericEvidence,
    Outcome,
    Stage,
    Verdict,
)
from fuel.program import load_source
from fuel.program.syntax import forward_operators
from fuel.report.markdown import (
    ReportFacts,
    condensed_versions,
    render_report,
    title,
)
from fuel.store.bugdir import (
    BisectorAnswer,
    CodePointer,
    CompilerBisection,
    Confirmation,
    Trial,
)

SOURCE = """\
import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 2)

    def forward(self, x, y):
        a = torch.remainder(self.lin(x), y)
        return a.sum(dim=0) // 2


def make_inputs():
    return (torch.randn(2, 2), torch.rand(2, 2))
"""
NAN = Verdict(
    Outcome.BUG,
    Kind.NAN_INF_MISMATCH,
    Stage.UNKNOWN,
    detail="output[0]: eager gave -0.0, compiled nan at [2]",
    numeric=NumericEvidence(
        "output[0]", "float32", (8,), 0.0, 0.0, 1, 8, None, None, (2,), "-0.0", "nan", "0.0"
    ),
    bisect=Bisection("inductor"),
)
CRASH = Verdict(
    Outcome.BUG,
    Kind.COMPILE_CRASH,
    Stage.LOWERING,
    detail="compiled raised InductorError: LoweringException: bad thing happened",
    crash=CrashEvidence(
        "torch._inductor.exc.InductorError",
        "LoweringException: bad thing happened\n  target: aten.remainder",
        ("torch/_inductor/lowering.py:12 in make", "torch/_inductor/graph.py:40 in run"),
    ),
    bisect=Bisection("aot_eager_decomp_partition"),
)


def facts(verdict: Verdict) -> ReportFacts:
    return ReportFacts(
        spec=load_source(SOURCE),
        repro="import torch\nprint('repro')\n",
        verdict=verdict,
        options=CompileOptions(),
        confirmation=Confirmation(True, 1, False, 12.5, "BUG: compiled output[0] disagrees"),
        versions="PyTorch version: 2.13.0+cpu\n",
        original_statements=18,
        reduced_statements=2,
    )


def test_operator_names_follow_forward() -> None:
    assert forward_operators(SOURCE) == ["torch.remainder", "nn.Linear", "Tensor.sum", "`//`"]


def test_titles_name_layer_operators_and_symptom() -> None:
    assert title(SOURCE, NAN, CompileOptions()) == (
        "[inductor] torch.remainder, nn.Linear, Tensor.sum returns nan where eager "
        "returns -0 (float32) on CPU"
    )
    assert title(SOURCE, CRASH, CompileOptions()).startswith(
        "[decomp] torch.remainder, nn.Linear, Tensor.sum raises InductorError: "
        "LoweringException: bad thing happened"
    )


def test_report_has_the_sections_of_a_pytorch_issue() -> None:
    text = render_report(facts(NAN))
    lines = text.splitlines()
    assert lines[0].startswith("# [inductor] torch.remainder")
    for heading in ("### 🐛 Describe the bug", "### Error logs", "### Versions"):
        assert heading in lines, heading  # the sections of PyTorch's torch.compile template
    assert "Labels: `oncall: pt2`, `topic: fuzzer`" in text
    assert "```python\nimport torch\nprint('repro')\n```" in text
    assert "BUG: compiled output[0] disagrees" in text
    assert "| compiled error vs float64" not in text  # no reference errors were measured
    assert "eager -0.0, compiled nan, float64 0.0" in text
    assert "from 18 to 2 statements" in text
    assert "PyTorch version: 2.13.0+cpu" in text
    assert "The bug is in Inductor" in text
    assert "def test_fuzzer_remainder_nan_inf_mismatch(self):" in text
    assert "inputs = (torch.randn(2, 2), torch.rand(2, 2))" in text
    assert "self.common(Model(), inputs)" in text


def test_the_ablation_table_lists_each_setting_that_was_run() -> None:
    trials = (Trial("backend='eager'", False, "pass"), Trial("backend='inductor'", True, "bug"),
              Trial("dynamic=True", None, "invalid"))  # fmt: skip
    text = render_report(replace(facts(NAN), ablation=trials))
    assert "| setting | this run showed the bug | this run's verdict |" in text
    assert "| `backend='eager'` | no | pass |" in text
    assert "| `backend='inductor'` | yes | bug |" in text
    assert "| `dynamic=True` | cannot tell | invalid |" in text
    assert "Ablation" not in render_report(facts(NAN))  # nothing claimed that was not run


def test_versions_are_condensed_to_what_a_compiler_report_needs() -> None:
    full = ("PyTorch version: 2.13.0+cpu\nIs debug build: False\nROCM used to build: N/A\n"
            "OS: Debian\nCPU:\nArchitecture: x86_64\nModel name: Xeon\n"
            "Versions of relevant libraries:\n[pip3] numpy==2.1\n[pip3] mypy==1.0\n"
            "[pip3] torch==2.13.0\n")  # fmt: skip
    kept = condensed_versions(full).splitlines()
    assert "PyTorch version: 2.13.0+cpu" in kept and "Model name: Xeon" in kept
    assert "[pip3] numpy==2.1" in kept and "[pip3] torch==2.13.0" in kept
    assert "ROCM used to build: N/A" not in kept and "[pip3] mypy==1.0" not in kept


def test_crash_report_shows_the_exception_and_frames() -> None:
    text = render_report(facts(CRASH))
    assert "raises where eager runs" in text
    assert "torch/_inductor/lowering.py:12 in make" in text
    assert "decompositions or the partitioner" in text


def test_the_verdicts_notes_are_in_the_report() -> None:
    note = "the mismatch survives inductor.emulate_precision_casts=True"
    text = render_report(facts(replace(NAN, notes=(note,))))
    assert f"- {note}" in text
    assert "- " + "the mismatch" not in render_report(facts(NAN))


def test_the_filers_explanation_comes_first_and_the_machine_text_is_marked() -> None:
    text = render_report(facts(NAN))
    yours = text.index("#### Your explanation")
    machine = text.index("#### What fuel ran (machine-written)")
    assert text.index("### 🐛 Describe the bug") < yours < machine < text.index("Minimal repro")
    assert "To be written by the person who files this issue." in text[yours:machine]
    assert "no person wrote or reviewed this text" in text[machine:]


def test_topic_fuzzer_only_where_the_templates_conditions_hold() -> None:
    assert "Labels: `oncall: pt2`, `topic: fuzzer`\n" in render_report(facts(NAN))
    mutation = replace(NAN, kind=Kind.MUTATION_MISMATCH)
    text = render_report(facts(mutation))
    assert "Labels: `oncall: pt2`\n" in text and "`topic: fuzzer`" not in text.split("\n")[2]
    assert "compared without a float64 reference" in text
    argmax = replace(facts(NAN), spec=load_source(SOURCE.replace("a.sum(dim=0) // 2",
                                                                 "torch.argmax(a, dim=0)")))
    assert "an index of a max, min or sort" in render_report(argmax)
    dropout = SOURCE.replace("a.sum(dim=0) // 2", "torch.nn.functional.dropout(a)")
    unseeded = replace(facts(NAN), spec=load_source(dropout))  # its repro resets nothing
    assert "without fallback_random and a seed reset" in render_report(unseeded)


POINTER = CodePointer("lowering", "torch/_inductor/lowering.py", "reduce_any", 8253,
                      "  8253  @register_lowering(aten.any)\n  8254  def reduce_any(x):\n",
                      "torch's CompilerBisector: disabling lowerings hides the bug",
                      "aten.any.dims")  # fmt: skip
FOUND = CompilerBisection("found", BisectorAnswer("inductor", "lowerings", 1, "any_1"),
                          operator="aten.any.dims", seconds=41.0)  # fmt: skip


def test_where_names_the_bisectors_answer_and_the_function_with_its_lines() -> None:
    text = render_report(replace(facts(NAN), bisector=FOUND, where=POINTER, torch_here="2.15.0"))
    where = text[text.index("#### Where"):]
    assert ("`BisectionResult(backend='inductor', subsystem='lowerings', bisect_number=1, "
            "debug_info='any_1')`") in where  # fmt: skip
    assert "(the FX node's operator: `aten.any.dims`)" in where
    assert ("`reduce_any` in `torch/_inductor/lowering.py`, line 8253 (torch 2.15.0)"
            in where)  # fmt: skip
    assert "  8254  def reduce_any(x):" in where


def test_an_undecided_bisection_says_so_and_points_nowhere() -> None:
    undecided = CompilerBisection("undecided", detail="the repro could not check (exit 3)")
    text = render_report(replace(facts(NAN), bisector=undecided))
    assert "undecided (the repro could not check (exit 3))" in text
    where = text[text.index("#### Where"):text.index("Regression test")]
    assert "Which function: undecided" in where and "```python" not in where
    assert "#### Where" not in render_report(facts(NAN))  # not run: not shown


def test_siblings_and_a_known_issue_are_reported() -> None:
    siblings = (Trial("Tensor.sin_", True, "bug eager_only_error"),
                Trial("Tensor.abs_", False, "pass"))  # fmt: skip
    text = render_report(replace(facts(NAN), bisector=FOUND, where=POINTER, siblings=siblings,
                                 known="known #191499"))  # fmt: skip
    assert "(2 tried): the bug shows with `Tensor.sin_`; not with 1 other(s)." in text
    assert "Already filed upstream (known #191499)" in text


WRONGLY_ROUNDED = NumericEvidence(
    "output[0]", "uint8", (1, 3, 7, 5), 1.0, 0.05, 24, 105, None, None, (0, 0, 0, 2), "87",
    "88", "88",
)  # fmt: skip
ROUNDING = Verdict(Outcome.BUG, Kind.EAGER_ROUNDING, Stage.EAGER,
                   detail="output[0]: eager is wrong at 24 of 105 elements",
                   numeric=WRONGLY_ROUNDED)  # fmt: skip


def test_an_eager_bug_is_reported_as_eager_s_not_the_compilers() -> None:
    assert title(SOURCE, ROUNDING, CompileOptions()) == (
        "[eager] torch.remainder, nn.Linear, Tensor.sum rounds wrongly in eager (uint8) on CPU"
    )
    text = render_report(facts(ROUNDING))
    assert "Labels: `module: correctness (silent)`, `topic: fuzzer`" in text
    assert "**A bug of eager, not of torch.compile**" in text
    assert ("agrees with the float64 computation rounded as torch specifies where eager does "
            "not: a bug of eager's own kernel, not of torch.compile") in text  # fmt: skip
    assert ("eager 87, compiled 88, the float64 computation rounded as torch specifies 88"
            in text)  # fmt: skip
    assert "test_torchinductor" not in text and "oncall: pt2" not in text
    layout = replace(ROUNDING, kind=Kind.EAGER_LAYOUT)
    layout_title = title(SOURCE, layout, CompileOptions())
    assert "eager results that change with the inputs' layout" in layout_title
    assert "eager on contiguous copies of its inputs 88" in render_report(facts(layout))
