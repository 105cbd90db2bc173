"""The static check: the first line of defence against untrusted test programs.

Generated programs (by an LLM above all) are untrusted code. Before a program reaches
a worker, its syntax tree must show that it imports only torch, math and numpy (plus
the capability-free ``typing`` and ``__future__``), calls none of the builtins that
evaluate code or touch files, plays no dunder tricks, and opens none of torch's own
doors to the file system, processes or the network. The sandbox in
:mod:`fuel.execute.sandbox` stands behind this check; neither relies on the other.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

ALLOWED_IMPORT_ROOTS = frozenset({"torch", "math", "numpy", "typing", "__future__"})

FORBIDDEN_MODULE_PREFIXES = (
    "torch._C",
    "torch._inductor",  # its compile helpers run commands; only its config is open
    "torch.hub",
    "torch.utils.cpp_extension",
    "torch.utils.data",
    "torch.utils.tensorboard",
    "torch.utils.bottleneck",
    "torch.multiprocessing",
    "torch.distributed",
    "torch.onnx",
    "torch.package",
    "torch.serialization",
    "torch.profiler",
    "torch.autograd.profiler",
    "numpy.ctypeslib",
    "numpy.f2py",
    "numpy.distutils",
    "numpy.testing",
)

ALLOWED_MODULE_EXCEPTIONS = ("torch._inductor.config",)

# Attribute names that open files, load native code or reach the network, whatever
# object they hang off (torch.save, np.load, Tensor.numpy().tofile, ops.load_library).
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "save", "load", "load_library", "from_file", "tofile", "fromfile", "dump",
        "savetxt", "loadtxt", "savez", "savez_compressed", "memmap", "genfromtxt",
        "fromregex", "DataSource", "ctypeslib", "cpp_extension", "hub", "system", "popen",
        "_C",
    }
)  # fmt: skip

FORBIDDEN_BUILTINS = frozenset(
    {
        "open", "eval", "exec", "compile", "__import__", "globals", "locals", "vars",
        "input", "breakpoint", "exit", "quit", "help", "__builtins__", "__loader__",
        "__spec__",
    }
)  # fmt: skip

ATTRIBUTE_BUILTINS = frozenset({"getattr", "setattr", "delattr", "hasattr"})
ALLOWED_DUNDER_ATTRIBUTES = frozenset({"__init__"})
ALLOWED_DUNDER_NAMES = frozenset({"__name__"})


@dataclass(frozen=True, slots=True)
class Violation:
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.message} (line {self.line})"


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def forbidden_module(dotted: str) -> str | None:
    """The reason a dotted module or attribute path is off limits, or None."""
    root = dotted.split(".")[0]
    if root not in ALLOWED_IMPORT_ROOTS:
        return f"forbidden import '{root}'"
    if any(dotted == a or dotted.startswith(a + ".") for a in ALLOWED_MODULE_EXCEPTIONS):
        return None
    for prefix in FORBIDDEN_MODULE_PREFIXES:
        if dotted == prefix or dotted.startswith(prefix + "."):
            return f"forbidden module '{prefix}'"
    return None


class _Checker(ast.NodeVisitor):
    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.aliases: dict[str, str] = {}

    def flag(self, node: ast.AST, message: str) -> None:
        self.violations.append(Violation(getattr(node, "lineno", 0), message))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            reason = forbidden_module(alias.name)
            if reason:
                self.flag(node, reason)
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else local

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.flag(node, "forbidden relative import")
            return
        module = node.module or ""
        reason = forbidden_module(module)
        if reason:
            self.flag(node, reason)
            return
        for alias in node.names:
            if alias.name == "*":
                self.flag(node, f"forbidden star import from '{module}'")
                continue
            dotted = f"{module}.{alias.name}"
            reason = forbidden_module(dotted) or self._attribute_reason(alias.name)
            if reason:
                self.flag(node, reason)
            self.aliases[alias.asname or alias.name] = dotted

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in FORBIDDEN_BUILTINS:
            self.flag(node, f"forbidden builtin '{node.id}'")
        elif is_dunder(node.id) and node.id not in ALLOWED_DUNDER_NAMES:
            self.flag(node, f"forbidden dunder name '{node.id}'")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        """Check a whole chain such as ``torch.utils.data.DataLoader`` at once."""
        chain: list[ast.Attribute] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            chain.append(current)
            current = current.value
        for link in chain:
            reason = self._attribute_reason(link.attr)
            if reason:
                self.flag(link, reason)
        dotted = self._dotted(node)
        if dotted and dotted.split(".")[0] in ALLOWED_IMPORT_ROOTS:
            reason = forbidden_module(dotted)
            if reason:
                self.flag(node, reason)
        self.visit(current)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in ATTRIBUTE_BUILTINS:
            self._check_attribute_builtin(node, func.id)
        self.generic_visit(node)

    def _check_attribute_builtin(self, node: ast.Call, name: str) -> None:
        if len(node.args) < 2:
            return
        key = node.args[1]
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            self.flag(node, f"{name}() with a computed attribute name")
            return
        reason = self._attribute_reason(key.value)
        if reason:
            self.flag(node, reason)

    @staticmethod
    def _attribute_reason(attr: str) -> str | None:
        if attr in FORBIDDEN_ATTRIBUTES:
            return f"forbidden attribute '{attr}'"
        if is_dunder(attr) and attr not in ALLOWED_DUNDER_ATTRIBUTES:
            return f"forbidden dunder attribute '{attr}'"
        return None

    def _dotted(self, node: ast.Attribute) -> str | None:
        parts: list[str] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        if not isinstance(current, ast.Name) or current.id not in self.aliases:
            return None
        parts.append(self.aliases[current.id])
        return ".".join(reversed(parts))


def check_tree(tree: ast.Module) -> list[Violation]:
    """Every violation in a parsed program, in source order."""
    checker = _Checker()
    checker.visit(tree)
    return sorted(set(checker.violations), key=lambda v: (v.line, v.message))
