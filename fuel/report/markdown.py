"""``report.md``: a bug report in the shape of PyTorch's issue template.

Title (``[inductor] torch.remainder returns nan where eager returns -0.0 (float32,
CPU)``), a description of the bug with the numbers behind it, the repro, its output,
the bisected layer, and the versions. The title names the operators of the reduced
``forward`` and the symptom, as maintainers title their own issues.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Kind, Verdict
from fuel.program import syntax
from fuel.program.syntax import BUILTIN_NAMES
from fuel.report.repro import compile_args, templates
from fuel.store.bugdir import Confirmation

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
BINARY_OPERATORS = {ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@",
                    ast.LShift: "<<", ast.RShift: ">>", ast.Div: "/", ast.BitAnd: "&",
                    ast.BitOr: "|", ast.BitXor: "^"}  # fmt: skip
TITLE_OPERATORS = 3
MESSAGE_CHARS = 90


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """Everything a report says, gathered by the caller."""

    source: str  # the reduced program
    repro: str
    verdict: Verdict  # the reduced program's verdict, bisect included
    options: CompileOptions
    confirmation: Confirmation | None
    versions: str
    original_statements: int
    reduced_statements: int
    reduction_note: str = ""


def operator_names(source: str) -> list[str]:
    """The operators ``forward`` calls, in order: torch.remainder, Tensor.sum, nn.Linear."""
    tree = syntax.parse(source)
    func = syntax.forward(tree)
    layers = _layer_classes(tree)
    names: list[str] = []
    nodes = [n for n in ast.walk(func) if isinstance(n, (ast.Call, ast.BinOp))] if func else []
    nodes.sort(key=lambda n: (n.lineno, n.col_offset, n.end_lineno, n.end_col_offset))
    for node in nodes:
        name = None
        if isinstance(node, ast.Call):
            name = _call_name(node.func, layers)
        elif isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPERATORS:
            name = f"`{BINARY_OPERATORS[type(node.op)]}`"
        if name and name not in names:
            names.append(name)
    return names


def _call_name(func: ast.expr, layers: dict[str, str]) -> str | None:
    dotted = ast.unparse(func)
    if dotted.startswith("self."):
        return layers.get(dotted[len("self.") :])
    if dotted.startswith(("torch.", "F.", "nn.", "math.")):
        return dotted.replace("torch.nn.functional.", "F.")
    if isinstance(func, ast.Attribute):
        return f"Tensor.{func.attr}"
    if isinstance(func, ast.Name) and func.id not in BUILTIN_NAMES:
        return func.id  # a helper of the program's own
    return None


def _layer_classes(tree: ast.Module) -> dict[str, str]:
    init = syntax.init(tree)
    found = {}
    for node in syntax.nodes_of(init, ast.Assign):
        target = node.targets[0]
        if isinstance(target, ast.Attribute) and isinstance(node.value, ast.Call):
            found[target.attr] = ast.unparse(node.value.func).replace("torch.nn.", "nn.")
    return found


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
    ops = operator_names(source)[:TITLE_OPERATORS] or ["torch.compile"]
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


def render_report(facts: ReportFacts) -> str:
    verdict = facts.verdict
    return (
        templates()
        .get_template("report.md.j2")
        .render(
            title=title(facts.source, verdict, facts.options),
            verdict=verdict,
            kind=verdict.kind.value if verdict.kind else "bug",
            stage=verdict.stage.value if verdict.stage else "unknown",
            options=facts.options,
            compile_args=compile_args(facts.options),
            device=facts.options.device.upper() if facts.options.device == "cpu" else "CUDA",
            description=description(verdict),
            ops=", ".join(operator_names(facts.source)) or "(none)",
            repro=facts.repro.rstrip(),
            confirmation=facts.confirmation,
            bisect=bisect_sentence(verdict),
            ladder=" → ".join(verdict.bisect.tried if verdict.bisect else ()),
            versions=facts.versions.rstrip(),
            before=facts.original_statements,
            after=facts.reduced_statements,
            note=facts.reduction_note,
        )
    )
