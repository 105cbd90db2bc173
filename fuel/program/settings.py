"""The compiler settings a program makes, found in its syntax tree.

Programs from issue trackers set compiler configs at the top
(``from torch._inductor import config`` / ``config.fallback_random = True``) or
environment variables (``os.environ["TORCHINDUCTOR_FREEZING"] = "1"``). Both belong
to the repro: the worker applies them to the compiled run (environment variables
too, although torch read its environment long before the program was imported) and
the verdict shows them. Module-level statements are found, and those at the top of an
``if __name__ == "__main__":`` block, which fuel never runs but whose settings are
meant for the compiled call written there.
"""

from __future__ import annotations

import ast

from fuel.program.names import dotted, is_main_guard, module_aliases
from fuel.program.record import Setting, SettingKind

CONFIG_MODULES = ("torch._dynamo.config", "torch._inductor.config", "torch._functorch.config")
ENV_PREFIXES = ("TORCHINDUCTOR_", "TORCHDYNAMO_")
# Where caches go belongs to the sandbox (they must stay in the worker's directory).
NOT_SETTINGS = ("TORCHINDUCTOR_CACHE_DIR",)
ENVIRON = "os.environ"


def find_settings(tree: ast.Module) -> tuple[Setting, ...]:
    statements = list(tree.body)
    for node in tree.body:
        if is_main_guard(node):
            assert isinstance(node, ast.If)
            statements += node.body
    aliases = module_aliases(statements)
    found: list[Setting] = []
    for node in statements:
        found += settings_in(node, aliases)
    return tuple(found)


def settings_in(node: ast.stmt, aliases: dict[str, str]) -> list[Setting]:
    if isinstance(node, ast.Assign):
        return [s for t in node.targets if (s := assigned(t, node.value, aliases))]
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        setting = assigned(node.target, node.value, aliases)
        return [setting] if setting else []
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        setting = environ_call(node.value, aliases)
        return [setting] if setting else []
    return []


def assigned(target: ast.expr, value: ast.expr, aliases: dict[str, str]) -> Setting | None:
    if isinstance(target, ast.Attribute):
        path = dotted(target, aliases)
        if path and any(path.startswith(m + ".") for m in CONFIG_MODULES):
            return Setting(SettingKind.CONFIG, path, ast.unparse(value), target.lineno)
    if (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Attribute)
        and dotted(target.value, aliases) == ENVIRON
    ):
        return environment(target.slice, value, target.lineno)
    return None


def environ_call(call: ast.Call, aliases: dict[str, str]) -> Setting | None:
    """``os.environ.setdefault("TORCHINDUCTOR_X", "1")`` and ``os.putenv(...)``."""
    if not isinstance(call.func, ast.Attribute) or len(call.args) != 2:
        return None
    path = dotted(call.func, aliases)
    if path in (f"{ENVIRON}.setdefault", "os.putenv"):
        return environment(call.args[0], call.args[1], call.lineno)
    return None


def environment(key: ast.expr, value: ast.expr, line: int) -> Setting | None:
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
        return None
    if not key.value.startswith(ENV_PREFIXES) or key.value in NOT_SETTINGS:
        return None
    return Setting(SettingKind.ENVIRONMENT, key.value, ast.unparse(value), line)
