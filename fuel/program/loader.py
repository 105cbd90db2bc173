"""The loader: from a file or a string to a :class:`ProgramSpec`, or one clear line.

It reads only the syntax tree; nothing of the program runs here. It finds the model
class (``Model``, or the only ``nn.Module`` subclass that no other one uses), how the
model is built (``Model()``, a ``make_model()`` function, or a module-level instance
such as ``model = Model(...).eval()``), where the inputs come from (``make_inputs()``,
``inputs = [...]``, or bare module-level tensors such as ``x = torch.randn(...)``), the
compiler settings the program makes (:mod:`fuel.program.settings`), and moves it to
the device it will run on (:mod:`fuel.program.device`).
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

from fuel.errors import Rejected
from fuel.program import parsing
from fuel.program.device import retarget
from fuel.program.reading import read_text
from fuel.program.record import InputStyle, Program, ProgramSpec
from fuel.program.settings import find_settings
from fuel.program.static_check import check_tree

INPUT_LIST_NAMES = ("inputs", "input_tensors", "example_inputs")
MAX_SOURCE_BYTES = 1_000_000


def read_program(path: str | Path) -> Program:
    """The program in a file; :class:`Rejected` with one line if it cannot be read."""
    path = Path(path)
    try:
        source = read_text(path, MAX_SOURCE_BYTES, python=True)
    except Rejected as refused:
        raise Rejected(f"cannot read {path}: {refused.reason}") from None
    return Program(source=source, name=path.stem)


def load_file(path: str | Path, *, allow_unsafe: bool = False, device: str = "cpu") -> ProgramSpec:
    return load_program(read_program(path), allow_unsafe=allow_unsafe, device=device)


def load_source(
    source: str, name: str = "program", *, allow_unsafe: bool = False, device: str = "cpu"
) -> ProgramSpec:
    program = Program(source=source, name=name)
    return load_program(program, allow_unsafe=allow_unsafe, device=device)


def load_program(
    program: Program, *, allow_unsafe: bool = False, device: str = "cpu"
) -> ProgramSpec:
    """Parse and check ``program`` for a run on ``device``; raise :class:`Rejected`
    with one line if unusable."""
    tree = parse(program.source)
    if not allow_unsafe:
        violations = check_tree(tree)
        if violations:
            raise Rejected(f"static check: {violations[0]}")
    classes = module_classes(tree)
    model = choose_model_class(tree, classes)
    factory, instance = model_constructor(tree, classes[model], model)
    forward = forward_params(classes, model)
    style, names = find_inputs(tree, forward, instance)
    source, edits = retarget(program.source, tree, device)
    return ProgramSpec(
        program=replace(program, source=source) if edits else program,
        model_class=model,
        model_factory=factory,
        model_instance=instance,
        input_style=style,
        input_names=names,
        forward_params=forward,
        settings=find_settings(tree),
        device_edits=edits,
        device=device,
    )


def parse(source: str) -> ast.Module:
    if len(source.encode()) > MAX_SOURCE_BYTES:
        raise Rejected(f"program larger than {MAX_SOURCE_BYTES} bytes")
    try:
        return parsing.parse(source)
    except SyntaxError as exc:
        raise Rejected(f"syntax error: {exc.msg} (line {exc.lineno})") from None
    except ValueError as exc:  # e.g. null bytes
        raise Rejected(f"syntax error: {exc}") from None


def module_classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    """Top-level classes deriving (directly or through each other) from nn.Module."""
    found: dict[str, ast.ClassDef] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(
            base_name(b) == "Module" or base_name(b) in found for b in node.bases
        ):
            found[node.name] = node
    return found


def base_name(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return None


def choose_model_class(tree: ast.Module, classes: dict[str, ast.ClassDef]) -> str:
    if not classes:
        raise Rejected("no torch.nn.Module subclass found")
    if "Model" in classes:
        return "Model"
    if len(classes) == 1:
        return next(iter(classes))
    used = {n.id for c in classes.values() for n in ast.walk(c) if isinstance(n, ast.Name)} | {
        n.attr for c in classes.values() for n in ast.walk(c) if isinstance(n, ast.Attribute)
    }
    roots = [name for name in classes if name not in used]
    if len(roots) == 1:
        return roots[0]
    raise Rejected(f"several Module subclasses ({', '.join(classes)}) and none named Model")


def top_level_function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def model_constructor(
    tree: ast.Module, cls: ast.ClassDef, model: str
) -> tuple[str | None, str | None]:
    """(factory function, module-level instance) that build the model; both None: Model().

    A module-level instance (``model = Model(8).eval()``) is used when present: the
    program may have configured it after construction."""
    if top_level_function(tree, "make_model"):
        return "make_model", None
    instance = module_level_instance(tree, model)
    if instance:
        return None, instance
    init = next(
        (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None
    )
    if init is None or not required_params(init)[1:]:
        return None, None
    raise Rejected(
        f"{model}.__init__ needs arguments: give them defaults, define make_model(), "
        "or build a module-level instance"
    )


def required_params(func: ast.FunctionDef) -> list[str]:
    positional = func.args.posonlyargs + func.args.args
    without_default = len(positional) - len(func.args.defaults)
    return [a.arg for a in positional[:without_default]]


def module_level_instance(tree: ast.Module, model: str) -> str | None:
    """The name bound to ``Model(...)``, also through calls on it (``.eval()``, ``.to(x)``)."""
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and constructs(node.value, model)
        ):
            return node.targets[0].id
    return None


def constructs(value: ast.expr, model: str) -> bool:
    while isinstance(value, ast.Call):
        if base_name(value.func) == model:
            return True
        if not isinstance(value.func, ast.Attribute):
            return False
        value = value.func.value
    return False


def forward_params(classes: dict[str, ast.ClassDef], model: str) -> tuple[str, ...]:
    """Positional parameters of ``forward`` (self excluded), looking through local bases."""
    cls: ast.ClassDef | None = classes[model]
    while cls is not None:
        for node in cls.body:
            if isinstance(node, ast.FunctionDef) and node.name == "forward":
                args = node.args.posonlyargs + node.args.args
                return tuple(a.arg for a in args[1:])
        parents = [base_name(b) for b in cls.bases]
        cls = next((classes[p] for p in parents if p in classes), None)
    raise Rejected(f"{model} has no forward method")


def find_inputs(
    tree: ast.Module, forward: tuple[str, ...], instance: str | None
) -> tuple[InputStyle, tuple[str, ...]]:
    if top_level_function(tree, "make_inputs"):
        return InputStyle.MAKE_INPUTS, ()
    assigned = module_level_assignments(tree)
    for name in INPUT_LIST_NAMES:
        if name in assigned:
            return InputStyle.INPUTS_LIST, (name,)
    candidates = [n for n, value in assigned.items() if n != instance and builds_tensor(value)]
    if forward and all(p in candidates for p in forward):
        return InputStyle.BARE_TENSORS, forward
    if candidates and len(candidates) >= len(forward):
        return InputStyle.BARE_TENSORS, tuple(candidates[: len(forward) or len(candidates)])
    raise Rejected("no inputs: define make_inputs(), an inputs list, or module-level tensors")


def module_level_assignments(tree: ast.Module) -> dict[str, ast.expr]:
    assigned: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            assigned[node.target.id] = node.value
    return assigned


def builds_tensor(value: ast.expr) -> bool:
    """True for ``torch.randn(2, 3)``, ``torch.ones(4).t()``, ``torch.rand(4) + 0.5``."""
    if isinstance(value, ast.BinOp):
        return builds_tensor(value.left) or builds_tensor(value.right)
    if isinstance(value, ast.UnaryOp):
        return builds_tensor(value.operand)
    node: ast.expr = value
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return (
        isinstance(node, ast.Name)
        and node.id in {"torch", "np", "numpy"}
        and isinstance(value, (ast.Call, ast.Subscript))
    )
