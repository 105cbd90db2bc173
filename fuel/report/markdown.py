"""``report.md``: a bug report in the shape of PyTorch's issue template.

Title (``[inductor] torch.remainder returns nan where eager returns -0.0 (float32,
CPU)``), the labels the template asks fuzzer-found reports for, a description with
the numbers behind it, the minimal repro, the ablation (each row a run), a
regression test in the style of Inductor's own, the repro's output in a fresh
interpreter, and the versions. The title names the operators of the reduced
``forward`` and the symptom, as maintainers title their own issues. Every part is
rendered from a record of something that was run; what was not run is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Kind, Verdict
from fuel.program.record import ProgramSpec
from fuel.program.syntax import forward_operators
from fuel.report.regression import render_regression_test, test_name
from fuel.report.repro import compile_args, templates
from fuel.store.bugdir import Confirmation, Trial

# What the first backend of the bisect ladder that shows a bug says about where it is.
LAYERS = {
    "eager": ("dynamo", "Dynamo (it shows with backend='eager', before AOTAutograd)"),
    "aot_eager": ("aotautograd", "AOTAutograd (it shows with backend='aot_eager')"),
    "aot_eager_decomp_partition": (
        "decomp",
        "the decompositions or the partitioner (it shows with "
        "backend='aot_eager_decomp_partition', not with 'aot_eager')",
    ),
    "inductor": ("inductor", "Inductor (only backend='inductor' shows it)"),
}
TITLE_OPERATORS = 3
MESSAGE_CHARS = 90


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """Everything a report says, gathered by the caller."""

    spec: ProgramSpec  # the reduced program
    repro: str
    verdict: Verdict  # the reduced program's verdict, bisect included
    options: CompileOptions
    confirmation: Confirmation | None
    versions: str
    original_statements: int
    reduced_statements: int
    reduction_note: str = ""
    ablation: tuple[Trial, ...] = ()


def layer(verdict: Verdict, options: CompileOptions) -> str:
    """The bisected layer; unbisected, the deepest layer the backend used reaches."""
    first = verdict.bisect.first if verdict.bisect else None
    found = first if first in LAYERS else options.backend
    return LAYERS[found][0] if found in LAYERS else found


def symptom(verdict: Verdict) -> str:
    n, c = verdict.numeric, verdict.crash
    dtype = f" ({n.dtype})" if n else ""
    if verdict.kind is Kind.NAN_INF_MISMATCH and n:
        compiled, eager = _short(n.compiled_value), _short(n.eager_value)
        return f"returns {compiled} where eager returns {eager}{dtype}"
    if verdict.kind is Kind.NUMERIC_MISMATCH:
        return f"returns wrong values{dtype}"
    if verdict.kind is Kind.COMPILE_CRASH and c:
        return f"raises {c.exc_type.rsplit('.', 1)[-1]}: {_first_line(c.message)}"
    if verdict.kind is Kind.EAGER_ONLY_ERROR and c:
        return f"returns where eager raises {c.exc_type.rsplit('.', 1)[-1]}"
    return {
        Kind.DTYPE_MISMATCH: "returns a different dtype than eager",
        Kind.SHAPE_MISMATCH: "returns a different shape or structure than eager",
        Kind.MUTATION_MISMATCH: "mutates an input differently from eager",
        Kind.CRASH_SIGNAL: "crashes the process",
        Kind.TIMEOUT: "hangs",
        Kind.OOM: "runs out of memory",
    }.get(verdict.kind or Kind.NUMERIC_MISMATCH, "differs from eager")


def _short(value: str) -> str:
    """A value as the title shows it: 1.5409960746765137 -> 1.541."""
    try:
        return f"{float(value):.4g}"
    except ValueError:
        return value


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= MESSAGE_CHARS else first[: MESSAGE_CHARS - 1] + "…"


def title(source: str, verdict: Verdict, options: CompileOptions) -> str:
    ops = forward_operators(source)[:TITLE_OPERATORS] or ["torch.compile"]
    device = options.device.upper() if options.device == "cpu" else options.device
    return f"[{layer(verdict, options)}] {', '.join(ops)} {symptom(verdict)} on {device}"


def description(verdict: Verdict) -> str:
    """What goes wrong, in words, for the first line of "Describe the bug"."""
    numeric = verdict.numeric
    if verdict.kind is Kind.COMPILE_CRASH:
        return "raises where eager runs"
    if verdict.kind is Kind.EAGER_ONLY_ERROR:
        return "returns a result where eager raises (the compiled program skips a check)"
    if verdict.kind in (Kind.CRASH_SIGNAL, Kind.TIMEOUT, Kind.OOM):
        return verdict.detail.removeprefix("the worker ")
    if numeric is not None and numeric.compiled_fp64_error is not None:
        return (
            "gives a result that differs from eager, and a float64 run of the same "
            "program sides with eager"
        )
    return "gives a result that differs from eager"


def bisect_sentence(verdict: Verdict) -> str:
    bisection = verdict.bisect
    if bisection is None:
        return "Not bisected."
    if bisection.first in LAYERS:
        return f"The bug is in {LAYERS[bisection.first][1]}."
    if bisection.first:
        return f"It first shows with backend {bisection.first!r}."
    return "None of the backends tried shows it on its own."


# The lines of ``python -m torch.utils.collect_env`` a compiler bug report needs.
VERSION_KEYS = (
    "PyTorch version", "Is debug build", "CUDA used to build PyTorch", "OS:",
    "GCC version", "Python version", "Python platform", "Is CUDA available",
    "CUDA runtime version", "GPU models", "Model name",
)  # fmt: skip
LIBRARY_NAMES = ("numpy", "torch", "triton")


def condensed_versions(collect_env: str) -> str:
    """collect_env's output, kept to what a compiler bug report needs."""
    kept = []
    libraries = False
    for line in collect_env.splitlines():
        libraries = libraries or line.startswith("Versions of relevant libraries")
        if _wanted(line, libraries):
            kept.append(line)
    return "\n".join(kept) if kept else collect_env.strip()


def _wanted(line: str, in_libraries: bool) -> bool:
    if line.startswith("Versions of relevant libraries"):
        return True
    if in_libraries:
        package = line.split("]")[-1].strip().lower()
        return package.startswith(LIBRARY_NAMES)
    return line.startswith(VERSION_KEYS)


def render_report(facts: ReportFacts) -> str:
    verdict = facts.verdict
    source = facts.spec.program.source
    operators = forward_operators(source)
    return (
        templates()
        .get_template("report.md.j2")
        .render(
            title=title(source, verdict, facts.options),
            verdict=verdict,
            kind=verdict.kind.value if verdict.kind else "bug",
            stage=verdict.stage.value if verdict.stage else "unknown",
            compile_args=compile_args(facts.options),
            device=facts.options.device.upper() if facts.options.device == "cpu" else "CUDA",
            description=description(verdict),
            ops=", ".join(operators) or "(none)",
            repro=facts.repro.rstrip(),
            confirmation=facts.confirmation,
            bisect=bisect_sentence(verdict),
            ablation=facts.ablation,
            regression_test=render_regression_test(facts.spec, test_name(operators, verdict)),
            versions=condensed_versions(facts.versions).rstrip(),
            before=facts.original_statements,
            after=facts.reduced_statements,
            note=facts.reduction_note,
        )
    )
