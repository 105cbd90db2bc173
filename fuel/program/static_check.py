"""The static check: refuses only what the sandbox cannot contain.

Programs are untrusted (an LLM writes many, users paste others from issue trackers).
The boundary is the sandbox (:mod:`fuel.execute.sandbox`): Landlock, a network
namespace, resource limits, a scrubbed environment and the audit hook. What it
contains, a program may do: import ``os``, ``sys``, ``copy``, ``subprocess`` or
``socket``, set environment variables and compiler configs, print. The check refuses
a construct only where the sandbox has a gap, and each refusal names its gap:

=========  ==========================================================================
Gap        What is refused, and why the sandbox cannot contain it
=========  ==========================================================================
reads      ``open``, ``io``, ``pathlib``, ``shutil``, ``os.listdir``, ``np.load``,
           ``np.fromfile``, ``np.memmap``, ``torch.load``, ``torch.from_file``,
           ``torch.hub``, ``torch._C``. Landlock lets a worker read the system's and
           Python's directories and the import path (torch and the C++ compiler need
           them; as root that includes /etc/shadow); what a program reads can reach
           its output, which fuel stores and puts in reports.
native     ``ctypes``, ``cffi``, ``cpp_extension``, ``load_library``, ``numpy.f2py``,
           ``_posixsubprocess``. Native code raises no audit events, so only the
           kernel's rules stand, and they leave two doors: a child process that calls
           setsid() outlives the pool's kill of the worker's process group, and a
           path-based Unix socket (a container daemon's, an agent's) can be connected
           to; neither Landlock (to ABI 7) nor the network namespace controls that.
trusted    ``torch._inductor`` except its ``config``. The audit hook lets Inductor's
           own modules start compilers; a program calling them opens the doors above.
unlocked   ``save``, ``savez``, ``tofile``, ``dump``, ``torch.onnx``,
           ``torch.profiler``, ``torch.distributed``. On kernels without Landlock,
           native writers (torch.save to a path, ONNX export, profiler traces,
           distributed stores) write files without raising an audit event.
reach      ``eval``, ``exec``, ``compile``, ``importlib``, ``pickle``, ``gc``,
           ``inspect``, ``sys.modules``, frames, dunders, computed ``getattr``,
           ``get_type_hints``. A program runs in the worker's interpreter, beside the
           audit hook's policy and the connection its verdict travels on; reflection
           and code the check never saw (strings run as code, pickles) reach them: it
           could switch the hook off, or forge a verdict.
forged     ``os._exit``, ``os.abort``, ``os.kill``, ``signal``, ``faulthandler``.
           Ending the worker directly is contained, but cannot be told from a crash
           in torch: every such program would be a false bug.
=========  ==========================================================================

The check reads syntax, so a program built to evade it will (torch's dependencies
offer many doors to code evaluation, e.g. sympy's ``sympify``); it narrows the gaps
for the programs fuel meets, and the sandbox stays the boundary. Code under
``if __name__ == "__main__":`` is never run by fuel (programs are imported), so it is
never checked; the ``else`` branch of that test does run, and is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fuel.program.names import bound_names, is_main_guard

READS, NATIVE, TRUSTED, UNLOCKED, REACH, FORGED = (
    "reads", "native", "trusted", "unlocked", "reach", "forged"
)  # fmt: skip

# Modules (and their submodules) refused, with the gap each opens.
FORBIDDEN_MODULES: dict[str, str] = {
    **dict.fromkeys(
        ("io", "pathlib", "shutil", "glob", "fileinput", "zipfile", "tarfile", "gzip", "bz2",
         "lzma", "shelve", "dbm", "linecache", "mmap", "sqlite3", "filecmp", "torch.hub",
         "torch.serialization", "torch.package", "torch._C"),
        READS,
    ),
    **dict.fromkeys(
        ("ctypes", "_ctypes", "cffi", "_posixsubprocess", "torch.utils.cpp_extension",
         "numpy.ctypeslib", "numpy.f2py", "numpy.distutils"),
        NATIVE,
    ),
    "torch._inductor": TRUSTED,
    **dict.fromkeys(
        ("torch.onnx", "torch.profiler", "torch.autograd.profiler", "torch.distributed"),
        UNLOCKED,
    ),
    **dict.fromkeys(
        ("importlib", "builtins", "gc", "inspect", "traceback", "pickle", "_pickle", "marshal",
         "copyreg", "runpy", "code", "codeop", "pkgutil", "zipimport", "types", "site",
         "pydoc", "__main__", "unittest.mock", "logging.config", "yaml", "dill", "cloudpickle",
         "joblib", "sympy"),
        REACH,
    ),
    **dict.fromkeys(("signal", "faulthandler"), FORGED),
}  # fmt: skip
ALLOWED_SUBMODULES = ("torch._inductor.config",)

# Attribute names refused whatever object they hang off (np.load, Tensor.tofile, ...).
FORBIDDEN_ATTRIBUTES: dict[str, str] = {
    **dict.fromkeys(
        ("load", "loadtxt", "fromfile", "genfromtxt", "fromregex", "memmap", "DataSource",
         "from_file", "open", "fdopen", "listdir", "scandir", "walk", "read_text", "read_bytes",
         "hub", "_C"),
        READS,
    ),
    **dict.fromkeys(("load_library", "load_inline", "cpp_extension", "ctypeslib"), NATIVE),
    **dict.fromkeys(
        ("save", "savez", "savez_compressed", "savetxt", "tofile", "dump"), UNLOCKED
    ),
    **dict.fromkeys(
        ("f_back", "f_locals", "f_globals", "f_builtins", "f_code", "f_trace", "tb_frame",
         "tb_next", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code",
         "co_code", "co_consts", "cell_contents", "get_type_hints", "ForwardRef", "_eval_type",
         "evaluate_forward_ref", "sympify", "parse_expr", "unsafe_load",
         # refused modules reached as attributes of another (torch.sys, np.ctypes, ...)
         "sys", "ctypes", "importlib", "builtins", "gc", "inspect", "pickle", "marshal"),
        REACH,
    ),
    **dict.fromkeys(
        ("_exit", "abort", "kill", "killpg", "raise_signal", "pthread_kill", "alarm",
         "setitimer"),
        FORGED,
    ),
}  # fmt: skip

FORBIDDEN_NAMES: dict[str, str] = {
    "open": READS,
    **dict.fromkeys(
        ("eval", "exec", "compile", "__import__", "globals", "locals", "vars", "breakpoint",
         "help", "__builtins__", "__loader__", "__spec__"),
        REACH,
    ),
}  # fmt: skip

# sys gives frames and the module table (fuel's objects): only these attributes.
SYS_ATTRIBUTES = frozenset(
    {"argv", "path", "version", "version_info", "platform", "maxsize", "float_info", "int_info",
     "byteorder", "stdout", "stderr", "exit", "getrecursionlimit", "setrecursionlimit",
     "getsizeof", "implementation", "hexversion", "executable", "flags", "maxunicode",
     "getdefaultencoding", "getfilesystemencoding", "float_repr_style", "api_version"}
)  # fmt: skip
ATTRIBUTE_BUILTINS = frozenset({"getattr", "setattr", "delattr", "hasattr"})
ATTRIBUTE_GETTERS = frozenset({"operator.attrgetter", "operator.methodcaller"})
ALLOWED_DUNDER_ATTRIBUTES = frozenset(
    {"__init__", "__name__", "__qualname__", "__doc__", "__module__", "__class__", "__call__",
     "__len__", "__getitem__", "__setitem__", "__iter__", "__next__", "__enter__", "__exit__",
     "__repr__", "__str__", "__new__", "__post_init__", "__torch_function__",
     "__torch_dispatch__"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Violation:
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.message} (line {self.line})"


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def module_reason(path: str) -> str | None:
    """Why a dotted module (or attribute) path is refused, or None."""
    if any(path == a or path.startswith(a + ".") for a in ALLOWED_SUBMODULES):
        return None
    for module, gap in FORBIDDEN_MODULES.items():
        if path == module or path.startswith(module + "."):
            return f"forbidden module '{module}' [{gap}]"
    parts = path.split(".")
    if parts[0] == "sys" and len(parts) > 1 and parts[1] not in SYS_ATTRIBUTES:
        return f"forbidden 'sys.{parts[1]}' [{REACH}]"
    return None


def attribute_reason(attr: str) -> str | None:
    gap = FORBIDDEN_ATTRIBUTES.get(attr)
    if gap:
        return f"forbidden attribute '{attr}' [{gap}]"
    if is_dunder(attr) and attr not in ALLOWED_DUNDER_ATTRIBUTES:
        return f"forbidden dunder attribute '{attr}' [{REACH}]"
    return None


class _Checker(ast.NodeVisitor):
    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.aliases: dict[str, str] = {}
        self.direct_calls: set[int] = set()  # ids of callee nodes called with checked args

    def flag(self, node: ast.AST, message: str | None) -> None:
        if message:
            self.violations.append(Violation(getattr(node, "lineno", 0), message))

    def visit_If(self, node: ast.If) -> None:
        if is_main_guard(node):  # its body never runs; its else branch does
            for statement in node.orelse:
                self.visit(statement)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.flag(node, module_reason(alias.name))
        self.aliases.update(bound_names(node))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.flag(node, "forbidden relative import [reach]")
            return
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                self.flag(node, f"forbidden star import from '{module}' [reach]")
                continue
            self.flag(node, module_reason(f"{module}.{alias.name}") or attribute_reason(alias.name))
        self.aliases.update(bound_names(node))

    def visit_Name(self, node: ast.Name) -> None:
        gap = FORBIDDEN_NAMES.get(node.id)
        if gap:
            self.flag(node, f"forbidden builtin '{node.id}' [{gap}]")
        elif id(node) not in self.direct_calls and (
            node.id in ATTRIBUTE_BUILTINS or self.aliases.get(node.id) in ATTRIBUTE_GETTERS
        ):
            self.flag(node, f"'{node.id}' used other than as a direct call [reach]")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        """Check a whole chain such as ``torch.utils.data.DataLoader`` at once."""
        chain: list[ast.Attribute] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            chain.append(current)
            current = current.value
        for link in chain:
            self.flag(link, attribute_reason(link.attr))
        path = self._dotted(node)
        if path:
            self.flag(node, module_reason(path))
            if path in ATTRIBUTE_GETTERS and id(node) not in self.direct_calls:
                self.flag(node, f"'{path}' used other than as a direct call [reach]")
        self.visit(current)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in ATTRIBUTE_BUILTINS:
            self.direct_calls.add(id(func))
            self._check_attribute_name(node, func.id, node.args[1:2])
        else:
            path = self._dotted(func) if isinstance(func, ast.Attribute) else None
            if isinstance(func, ast.Name):
                path = self.aliases.get(func.id)
            if path in ATTRIBUTE_GETTERS:
                self.direct_calls.add(id(func))
                self._check_attribute_name(node, path or "", node.args)
        self.generic_visit(node)

    def _check_attribute_name(self, node: ast.Call, name: str, keys: list[ast.expr]) -> None:
        for key in keys:
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                self.flag(node, f"{name}() with a computed attribute name [reach]")
                continue
            for part in key.value.split("."):
                self.flag(node, attribute_reason(part))

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
