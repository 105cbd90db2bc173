"""The standalone repro: the program, plus a harness in plain torch, in one file.

A maintainer runs ``python repro.py`` with nothing but torch installed. The harness
does what fuel's worker and judge do, in fifty readable lines: the same seeds, eager,
compiled and a float64 reference, the same per-dtype tolerances (rendered from
:mod:`fuel.judge.tolerance`, so they cannot drift), and prints the evidence. It exits
1 while the bug shows and 0 once it is fixed, so it doubles as a regression test.

A repro is kept only once :mod:`fuel.triage.confirm` has run it in a fresh sandboxed
interpreter and it showed the bug there.
"""

from __future__ import annotations

import ast
import functools

import jinja2

from fuel.errors import FuelError
from fuel.execute.records import CompileOptions
from fuel.judge.tolerance import TOLERANCES
from fuel.program.record import InputStyle, ProgramSpec


@functools.cache
def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fuel.report", "templates"),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Python and Markdown, not HTML
    )


def render_repro(spec: ProgramSpec, options: CompileOptions, title: str, seed: int = 0) -> str:
    future, program = split_program(spec.program.source)
    clashes = sorted(module_names(program) & harness_names())
    if clashes:
        raise FuelError(f"the program defines {', '.join(clashes)}, which the repro needs")
    return _render(future, program, title, seed, options, build_model(spec), build_inputs(spec))


def _render(
    future: str,
    program: str,
    title: str,
    seed: int,
    options: CompileOptions,
    model: str,
    inputs: str,
) -> str:
    return (
        templates()
        .get_template("repro.py.j2")
        .render(
            future=future,
            title=title.replace("\n", " "),
            seed=seed,
            program=program.rstrip() + "\n\n",
            tolerances=[(str(dtype).removeprefix("torch."), t) for dtype, t in TOLERANCES.items()],
            compile_args=compile_args(options),
            backward=options.backward,
            build_model=model,
            build_inputs=inputs,
        )
    )


@functools.cache
def harness_names() -> frozenset[str]:
    """What the harness defines at module level: a program must not define these."""
    text = _render("", "", "", 0, CompileOptions(), "Model()", "make_inputs()")
    return frozenset(module_names(text))


def compile_args(options: CompileOptions) -> str:
    args = [f"backend={options.backend!r}"]
    if options.mode:
        args.append(f"mode={options.mode!r}")
    if options.dynamic is not None:
        args.append(f"dynamic={options.dynamic}")
    if options.fullgraph:
        args.append("fullgraph=True")
    return ", ".join(args)


def build_model(spec: ProgramSpec) -> str:
    if spec.model_factory:
        return f"{spec.model_factory}()"
    return spec.model_instance or f"{spec.model_class}()"


def build_inputs(spec: ProgramSpec) -> str:
    if spec.input_style is InputStyle.MAKE_INPUTS:
        return "make_inputs()"
    if spec.input_style is InputStyle.INPUTS_LIST:
        return spec.input_names[0]
    return "(" + "".join(f"{name}, " for name in spec.input_names).rstrip() + ")"


def split_program(source: str) -> tuple[str, str]:
    """(``from __future__`` lines, the rest) with ``if __name__ == ...`` blocks cut out:
    the repro runs as ``__main__``, so a program's own main block would run too."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    future: list[str] = []
    cut: set[int] = set()
    for node in tree.body:
        span = range(node.lineno - 1, (node.end_lineno or node.lineno))
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            future += [lines[i] for i in span]
            cut.update(span)
        elif isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            cut.update(span)
    kept = "".join(line for i, line in enumerate(lines) if i not in cut)
    return "".join(future), kept


def module_names(source: str) -> set[str]:
    """Names a module binds at its top level: functions, classes, assigned names."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                elements = target.elts if isinstance(target, ast.Tuple) else [target]
                names |= {e.id for e in elements if isinstance(e, ast.Name)}
    return names
