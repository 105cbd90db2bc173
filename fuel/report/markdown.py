"""``report.md``: a bug report in the shape of PyTorch's issue template.

Title (``[inductor] torch.remainder returns nan where eager returns -0.0 (float32,
CPU)``), the labels the template asks fuzzer-found reports for, a description with
the numbers behind it, the minimal repro, the ablation (each row a run), "Where"
(torch's CompilerBisector and the function it points at, with its lines), a
regression test in the style of Inductor's own, the repro's output in a fresh
interpreter, and the versions. The title names the operators of the reduced
``forward`` and the symptom, as maintainers title their own issues. Every part is
rendered from a record of something that was run; what was not run is not shown.

PyTorch's ``AI_POLICY.md`` asks that tool-written text be disclosed and contained, with
the filer's own explanation beside it: the report opens "Describe the bug" with an
empty "Your explanation" for the person who files it, and marks everything fuel wrote
as such. ``topic: fuzzer`` is proposed only where the issue template's conditions for
it hold (:func:`fuzzer_label_unmet`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fuel.execute.records import CompileOptions
from fuel.execute.targets import DEFAULT as DEFAULT_TARGET
from fuel.execute.targets import target_of
from fuel.judge.verdict import Kind, Verdict
from fuel.program.record import ProgramSpec
from fuel.program.syntax import forward_operators
from fuel.report.regression import render_regression_test, test_name
from fuel.report.repro import REPRO_ERROR, program_parts, templates
from fuel.store.bugdir import BuildCheck, CodePointer, CompilerBisection, Confirmation, Trial

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
    "export": ("export", "torch.export (the exported program's module shows it)"),
    "aoti": ("aoti", "AOTInductor (its package shows it, the exported program does not)"),
}
TITLE_OPERATORS = 3
# Operators whose result is an index of a max, min or order: the template asks fuzzers
# not to compare those (ties make them undefined).
INDEX_OPERATORS = ("argmax", "argmin", "argsort")
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
    torch_here: str = ""  # the torch the repro was confirmed on (this interpreter's)
    builds: tuple[BuildCheck, ...] = ()  # the repro on the other builds (--also-on)
    standing: str = ""  # "fixed in torch 2.15.0", "regression: ...", or ""
    bisector: CompilerBisection | None = None  # torch's CompilerBisector on the repro
    where: CodePointer | None = None  # the code it points at
    siblings: tuple[Trial, ...] = ()  # other operators of that code, tried
    known: str | None = None  # the upstream issue it matches, when it does


def layer(verdict: Verdict, options: CompileOptions) -> str:
    """The bisected layer; unbisected, the deepest layer the backend used reaches."""
    if verdict.is_eager_bug:  # eager's own kernel: no compiler layer is at fault
        return "eager"
    first = verdict.bisect.first if verdict.bisect else None
    unbisected = options.backend if options.target == DEFAULT_TARGET else options.target
    found = first if first in LAYERS else unbisected
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
        Kind.EAGER_LAYOUT: f"gives eager results that change with the inputs' layout{dtype}",
        Kind.EAGER_ROUNDING: f"rounds wrongly in eager{dtype}",
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


def title(source: str, verdict: Verdict, options: CompileOptions, standing: str = "") -> str:
    """The issue's title; ``standing`` (from :mod:`fuel.triage.builds`) says when the
    bug is a regression, or fixed in a newer build than the one it was found on."""
    ops = forward_operators(source)[:TITLE_OPERATORS] or ["torch.compile"]
    device = options.device.upper() if options.device == "cpu" else options.device
    where = layer(verdict, options)
    if options.target not in (DEFAULT_TARGET, where):  # which target, then which layer of it
        where = f"{options.target}] [{where}"
    text = f"[{where}] {', '.join(ops)} {symptom(verdict)} on {device}"
    if standing.startswith("regression"):
        return f"[regression] {text}"
    return f"{text} ({standing})" if standing else text


def description(verdict: Verdict) -> str:
    """What goes wrong, in words, for the first line of "Describe the bug"."""
    numeric = verdict.numeric
    if verdict.kind is Kind.COMPILE_CRASH:
        return "raises where eager runs"
    if verdict.kind is Kind.EAGER_ONLY_ERROR:
        return "returns a result where eager raises (the compiled program skips a check)"
    if verdict.kind in (Kind.CRASH_SIGNAL, Kind.TIMEOUT, Kind.OOM):
        return verdict.detail.removeprefix("the worker ")
    if verdict.is_eager_bug:
        return (f"agrees with {reference_name(verdict)} where eager does not: a bug of "
                "eager's own kernel, not of torch.compile")  # fmt: skip
    if numeric is not None and numeric.compiled_fp64_error is not None:
        return (
            "gives a result that differs from eager, and a float64 run of the same "
            "program sides with eager"
        )
    return "gives a result that differs from eager"


def reference_name(verdict: Verdict) -> str:
    """What the evidence's reference value is: float64, or for eager's own bugs the
    reference that showed eager wrong (:mod:`fuel.judge.eager_side`)."""
    return {
        Kind.EAGER_LAYOUT: "eager on contiguous copies of its inputs",
        Kind.EAGER_ROUNDING: "the float64 computation rounded as torch specifies",
    }.get(verdict.kind or Kind.NUMERIC_MISMATCH, "float64")


def fuzzer_label_unmet(facts: ReportFacts) -> tuple[str, ...]:
    """The conditions of the template for ``topic: fuzzer`` that this report does not
    meet (none: it gets the label). The repro compares with torch's ``same`` at its
    default tolerances; values and gradients against a float64 reference; NaN/inf
    positions, dtypes, shapes and crashes exactly, which needs no tolerance."""
    unmet = []
    verdict = facts.verdict
    if verdict.kind is Kind.MUTATION_MISMATCH:
        unmet.append("the mutated value is compared without a float64 reference")
    operators = [op.rsplit(".", 1)[-1] for op in forward_operators(facts.spec.program.source)]
    if verdict.numeric is not None and set(operators).intersection(INDEX_OPERATORS):
        unmet.append("the compared value may be an index of a max, min or sort")
    parts = program_parts(facts.spec)
    if parts.calls_draw and not ("fallback_random = True" in facts.repro
                                 and "torch.manual_seed(0)" in facts.repro):  # fmt: skip
        unmet.append("random operators run without fallback_random and a seed reset")
    return tuple(unmet)


def bisector_line(bisection: CompilerBisection) -> str:
    """torch's CompilerBisector's answer in words, as it gave it."""
    answer, seconds = bisection.answer, f"{bisection.seconds:.0f} s"
    if answer is None:
        return {
            "no_issue": f"torch's `CompilerBisector` on the repro ({seconds}): no backend "
                        "showed the bug to it.",
            "timed_out": f"torch's `CompilerBisector` on the repro: not done within its "
                         f"time limit ({bisection.detail}).",
            "unavailable": "torch's `CompilerBisector`: not in this torch.",
            "not_run": f"torch's `CompilerBisector` was not run: {bisection.detail}.",
        }.get(bisection.status, f"torch's `CompilerBisector` on the repro ({seconds}): "
                                f"undecided ({bisection.detail}).")  # fmt: skip
    said = (f"`BisectionResult(backend={answer.backend!r}, subsystem={answer.subsystem!r}, "
            f"bisect_number={answer.bisect_number!r}, "
            f"debug_info={answer.debug_info!r})`")  # fmt: skip
    operator = f" (the FX node's operator: `{bisection.operator}`)" if (
        bisection.operator and answer.subsystem == "lowerings") else ""  # fmt: skip
    return f"torch's `CompilerBisector` on the repro ({seconds}): {said}{operator}."


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
            title=title(source, verdict, facts.options, facts.standing),
            verdict=verdict,
            kind=verdict.kind.value if verdict.kind else "bug",
            stage=verdict.stage.value if verdict.stage else "unknown",
            compiled=target_of(facts.options).describe(facts.options),
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
            torch_here=facts.torch_here,
            builds=facts.builds,
            standing=facts.standing,
            unmet=fuzzer_label_unmet(facts),
            known=facts.known,
            error_exit=REPRO_ERROR,
            bisector=facts.bisector,
            bisector_line=bisector_line(facts.bisector) if facts.bisector else "",
            where=facts.where,
            siblings=facts.siblings,
            shown=[f"`{t.setting}`" for t in facts.siblings if t.shows],
            not_shown=[t.setting for t in facts.siblings if not t.shows],
            eager_bug=verdict.is_eager_bug,
            reference=reference_name(verdict),
        )
    )
