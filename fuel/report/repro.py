"""The standalone repro: the reduced program and the few lines that show its bug.

A maintainer runs ``python repro.py`` with nothing but torch installed. It is shaped
the way PyTorch's issue template asks fuzzer-found reports to be: the program, its
inputs built inline, the seed reset before each run and ``fallback_random`` so that
compiled random operators draw as eager's (both only where the program may draw from
torch's global generator: for a program that draws nothing they are lines without
effect), and then the one comparison that shows this symptom:
``torch._dynamo.utils.same(eager, compiled, fp64_ref)`` for wrong values,
the dtypes or shapes for a dtype or shape mismatch, the NaN/inf positions for a
NaN/inf mismatch, the exception itself for a crash, the inputs after the run for a
mutation. It exits 1 while the bug shows and 0 once it is fixed (a crash simply
raises, which exits 1), so it doubles as a regression test; when it cannot check (its
own comparison fails, eager raises, the compiled call of a value bug raises) it says
so and exits ``REPRO_ERROR`` instead, so that only the bug exits 1. A value is picked
from the outputs as the judge names it (``output[i]``: the i-th leaf of the flattened
output, whatever its structure: tuples, lists, dicts, ``torch.return_types``, Python
scalars). The comparison is torch's own, never a copy of fuel's judge.

A repro is kept only once :mod:`fuel.triage.confirm` has run it in a fresh sandboxed
interpreter and it showed the bug there.
"""

from __future__ import annotations

import ast
import functools
import inspect
from dataclasses import dataclass, replace

import jinja2

from fuel.execute.options import CompileSetting
from fuel.execute.records import CompileOptions
from fuel.execute.rounding import RoundedFloat64
from fuel.execute.targets import target_of
from fuel.judge.kinds import Kind
from fuel.judge.verdict import Verdict
from fuel.program import parsing
from fuel.program.record import InputStyle, ProgramSpec

# Names the repro's own lines bind at module level; a program using one of them gets
# the repro's name with a trailing underscore instead.
FALLBACK_RANDOM = "inductor.fallback_random"
# The repro's exit code when it could not check the bug (1 is the bug, 0 its absence;
# 2 is Python's own for a bad command line).
REPRO_ERROR = 3
HARNESS_NAMES = ("model", "inputs", "eager", "compiled", "fp64", "same", "sys", "torch", "copy",
                 "contiguous", "rounded")  # fmt: skip
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
# Words in the names of torch's random operators and of the layers that call them
# (nn.Dropout, nn.RReLU, a Transformer layer's dropout, torch.distributions). Code that
# names none of them draws nothing from the global generator, so its repro needs no
# seed reset; a false alarm only costs a line.
RANDOM_WORDS = ("rand", "dropout", "normal", "bernoulli", "multinomial", "poisson", "rrelu",
                "gumbel", "fractional", "uniform", "exponential", "geometric", "cauchy",
                "transformer", "distribution", "shuffle", "sobol")  # fmt: skip
# The comment on the line where a crash shows.
DEATHS = {
    Kind.COMPILE_CRASH: "raises here",
    Kind.CRASH_SIGNAL: "the process dies here",
    Kind.TIMEOUT: "hangs here",
    Kind.OOM: "runs out of memory here",
}


@functools.cache
def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fuel.report", "templates"),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Python and Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True, slots=True)
class ProgramParts:
    """The program cut into what the repro places: imports first, the definitions,
    the input-building statements (``make_inputs``'s body, inlined) and the call."""

    future: str  # ``from __future__`` lines
    imports: str  # the program's own imports, but torch's
    body: str  # classes, functions and module-level statements
    inputs: str  # the statements that build the inputs
    args: str  # what the model is called with: "x0, x1" or "*inputs"
    model: str  # how the model is built: Model(), make_model(), or an instance
    body_runs: bool  # module-level statements run code (they may draw random numbers)
    model_draws: bool  # building the model may draw random numbers (it has __init__)
    inputs_draw: bool  # the input statements draw from the global random generator
    calls_draw: bool  # calling the model may draw from it (dropout and the like)


def render_repro(
    spec: ProgramSpec,
    options: CompileOptions,
    verdict: Verdict,
    title: str,
    all_seeds: bool = False,
) -> str:
    """The repro; ``all_seeds`` resets the seed before every step, whatever the program
    seems to draw (the fallback when a repro without them did not show the bug)."""
    parts = program_parts(spec)
    if all_seeds:
        parts = replace(parts, body_runs=True, model_draws=True, inputs_draw=bool(parts.inputs),
                        calls_draw=True)  # fmt: skip
    names = _names(module_names(spec.program.source))
    target = target_of(options)
    text = templates().get_template("repro.py.j2").render(
        title=title.replace("\n", " "),
        parts=parts,
        n=names,
        kind=_symptom(verdict),
        compile=target.repro_call(names["model"], parts.args, options),
        compiled_of=lambda model: target.repro_call(model, parts.args, options),
        helpers=target.repro_helpers(options),
        leaf=leaf_index(verdict),
        take=functools.partial(_take, leaf_index(verdict)),
        error_exit=REPRO_ERROR,
        backward=options.backward,
        mutated=_mutated(verdict),
        death=DEATHS.get(verdict.kind or Kind.COMPILE_CRASH, "raises here"),
        reseed="torch.manual_seed(0)\n" if parts.calls_draw else "",
        config=config_block(options, parts.calls_draw),
        rounding=inspect.getsource(RoundedFloat64),
    )
    return text.rstrip() + "\n"


def _symptom(verdict: Verdict) -> str:
    """Which comparison shows the bug: values, grads, nan_inf, dtype, shape, mutation,
    crash, eager_only, death, or for eager's own bugs eager_layout (eager against eager on
    contiguous copies) and eager_rounding (eager against the float64 computation rounded
    as torch specifies, by fuel's own :class:`RoundedFloat64`, whose source it embeds)."""
    kind = verdict.kind
    if verdict.numeric is not None and verdict.numeric.where.startswith("grad:"):
        return "grads"
    if kind in (Kind.COMPILE_CRASH, Kind.OOM) and verdict.crash and not verdict.crash.signal:
        return "crash"
    simple = {
        Kind.EAGER_LAYOUT: "eager_layout",
        Kind.EAGER_ROUNDING: "eager_rounding",
        Kind.NUMERIC_MISMATCH: "values",
        Kind.NAN_INF_MISMATCH: "nan_inf",
        Kind.DTYPE_MISMATCH: "dtype",
        Kind.SHAPE_MISMATCH: "shape",
        Kind.MUTATION_MISMATCH: "mutation",
        Kind.EAGER_ONLY_ERROR: "eager_only",
        Kind.COMPILE_CRASH: "crash",
    }
    return simple.get(kind or Kind.NUMERIC_MISMATCH, "death")


def leaf_index(verdict: Verdict) -> str:
    """Which leaf of the flattened output differs ('1' for output[1]); '' when the
    verdict names no output (the whole output is compared)."""
    where = verdict.numeric.where if verdict.numeric else ""
    if where.startswith("output[") and where.endswith("]"):
        return where.removeprefix("output[").removesuffix("]")
    return ""


def _take(leaf: str, call: str) -> str:
    """The expression for the compared value of ``call``: its leaf, as the judge's."""
    return f"tree_leaves({call})[{leaf}]" if leaf else call


def _mutated(verdict: Verdict) -> str:
    where = verdict.numeric.where if verdict.numeric else ""
    return where if where.startswith(("input[", "buffer:", "param:")) else ""


def _names(taken: set[str]) -> dict[str, str]:
    return {name: f"{name}_" if name in taken else name for name in HARNESS_NAMES}


def config_block(options: CompileOptions, calls_draw: bool) -> str:
    """The compiler configs the compiled call needs, set as a user would set them:
    the test's own overrides, and Inductor drawing random numbers as eager does when
    the model may draw (otherwise compiled randomness differs by design)."""
    config = [CompileSetting(name, value) for name, value in options.config]
    if calls_draw and not any(setting.name == FALLBACK_RANDOM for setting in config):
        config.append(CompileSetting(FALLBACK_RANDOM, True))
    if not config:
        return ""
    imports = [f"import {module}" for module in sorted({s.config_module for s in config})]
    assignments = [f"{s.config_module}.{s.config_field} = {s.value!r}" for s in config]
    return "\n".join(imports + assignments) + "\n"


def program_parts(spec: ProgramSpec) -> ProgramParts:
    source = spec.program.source
    tree = parsing.parse(source)
    lines = source.splitlines(keepends=True)
    future, imports, body, inputs = [], [], [], []
    for node in tree.body:
        text = "".join(lines[node.lineno - 1 : node.end_lineno])
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            future.append(text)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if not _imports_only_torch(node):
                imports.append(text)
        elif isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            continue  # the repro runs as __main__: a program's own main block would run
        elif node is tree.body[0] and _is_docstring(node):
            continue  # the repro's title says what it is
        elif _is_make_inputs(node, spec):
            continue
        else:
            body.append(text)
    args = _args(spec)
    if spec.input_style is InputStyle.MAKE_INPUTS:
        inline, args = _inline_make_inputs(tree)
        inputs.append(inline)
    kept = [node for node in tree.body if _kept(node, spec)]
    runs = any(not isinstance(node, DEFINITIONS) for node in kept)
    input_code = [n for n in tree.body if _is_make_inputs(n, spec)]
    return ProgramParts("".join(future), "".join(imports), _joined(body), "".join(inputs),
                        args, _model(spec), runs, _model_draws(tree, spec),
                        draws_global_rng(input_code), draws_global_rng(kept))  # fmt: skip


def draws_global_rng(nodes: list[ast.stmt]) -> bool:
    """Might this code draw from torch's global generator? Calls that pass their own
    ``generator=`` do not; ``torch.manual_seed`` itself does not."""
    for root in nodes:
        own = {id(call.func) for call in ast.walk(root) if isinstance(call, ast.Call)
               and any(k.arg == "generator" for k in call.keywords)}  # fmt: skip
        for node in ast.walk(root):
            word = _identifier(node)
            if word and id(node) not in own and any(w in word.lower() for w in RANDOM_WORDS):
                return True
    return False


def _identifier(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):  # getattr(torch, "randn")
        return " ".join(a.value for a in node.args
                        if isinstance(a, ast.Constant) and isinstance(a.value, str))  # fmt: skip
    return ""


def _kept(node: ast.stmt, spec: ProgramSpec) -> bool:
    main = isinstance(node, ast.If) and "__name__" in ast.unparse(node.test)
    return not (main or _is_docstring(node) or _is_make_inputs(node, spec))


def _model_draws(tree: ast.Module, spec: ProgramSpec) -> bool:
    """False only for a model class with no ``__init__`` of its own or of its bases."""
    if spec.model_factory or spec.model_instance:
        return True
    cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == spec.model_class),
               None)  # fmt: skip
    if cls is None:
        return True
    local_bases = [b for b in cls.bases if isinstance(b, ast.Name) and b.id != "Module"]
    has_init = any(isinstance(n, ast.FunctionDef) and n.name == "__init__" for n in cls.body)
    return has_init or bool(local_bases)


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(
        node.value.value, str)  # fmt: skip


def _joined(blocks: list[str]) -> str:
    return "\n\n".join(block.strip("\n") for block in blocks) + "\n\n"


def _imports_only_torch(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.Import):
        return all(alias.name == "torch" and alias.asname is None for alias in node.names)
    return False


def _is_make_inputs(node: ast.stmt, spec: ProgramSpec) -> bool:
    return (
        spec.input_style is InputStyle.MAKE_INPUTS
        and isinstance(node, ast.FunctionDef)
        and node.name == "make_inputs"
    )


def _inline_make_inputs(tree: ast.Module) -> tuple[str, str]:
    """``make_inputs``' statements at module level, and the call's arguments."""
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "make_inputs")
    statements, returned = func.body, None
    last = statements[-1] if statements else None
    if isinstance(last, ast.Return):
        statements, returned = statements[:-1], last.value
    text = "".join(ast.unparse(s) + "\n" for s in statements)
    if isinstance(returned, ast.Tuple) and all(isinstance(e, ast.Name) for e in returned.elts):
        return text, ", ".join(ast.unparse(e) for e in returned.elts)
    if isinstance(returned, ast.Name):
        return text, f"*{returned.id}"
    value = ast.unparse(returned) if returned is not None else "()"
    return text + f"inputs = {value}\n", "*inputs"


def _args(spec: ProgramSpec) -> str:
    if spec.input_style is InputStyle.INPUTS_LIST:
        return f"*{spec.input_names[0]}"
    return ", ".join(spec.input_names)


def _model(spec: ProgramSpec) -> str:
    if spec.model_factory:
        return f"{spec.model_factory}()"
    return spec.model_instance or f"{spec.model_class}()"


def module_names(source: str) -> set[str]:
    """Names a module binds at its top level: functions, classes, assigned names."""
    names = set()
    for node in parsing.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == "make_inputs":  # inlined
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                elements = target.elts if isinstance(target, ast.Tuple) else [target]
                names |= {e.id for e in elements if isinstance(e, ast.Name)}
    return names
