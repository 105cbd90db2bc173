"""Applying compiler settings to a compiled run: the program's own, and the test's.

Two sources, one mechanism (:func:`patched`, the config modules' own ``patch``): the
settings a test is compiled with (``CompileOptions.config``, chosen by the campaign),
and the settings the program itself makes.

The loader records the settings a program makes (:mod:`fuel.program.settings`). Config
assignments at module level already ran when the program was imported; those in its
``__main__`` block did not, so every recorded config is applied again around the
compiled phase. Environment variables are harder: torch read ``TORCHINDUCTOR_*`` and
``TORCHDYNAMO_*`` when its config modules were imported, long before the program was.
So for each one the config entries whose definition mentions it are found in the config
module's own source, and their defining expression is evaluated again, by torch's own
rules, with the program's value in the environment; what it yields is applied.

Settings whose value is not a literal, and variables no config reads, are still seen
by the program (its own statements ran) but are not applied here.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import inspect
import os
from collections.abc import Iterator
from typing import Any

from torch.utils._config_module import _UNSET_SENTINEL, ConfigModule, _Config, _ConfigEntry

from fuel.execute.options import CompileSetting
from fuel.execute.records import CompileOptions
from fuel.execute.sandbox import PINNED_PATHS
from fuel.execute.state import config_modules
from fuel.program import parsing
from fuel.program.record import Setting, SettingKind

# Where the environment variables a program sets are read.
ENV_CONFIG_MODULES = ("torch._inductor.config", "torch._dynamo.config", "torch._functorch.config")


@contextlib.contextmanager
def applied(settings: tuple[Setting, ...]) -> Iterator[None]:
    """While inside, every setting that can be applied is (configs patched, env set)."""
    changes: dict[str, dict[str, Any]] = {}
    saved_env = dict(os.environ)
    for setting in settings:
        value = _literal(setting.value)
        if value is None:
            continue
        if setting.kind is SettingKind.CONFIG:
            found = _config_key(setting.name)
            if found:
                changes.setdefault(found[0], {})[found[1]] = value
        elif isinstance(value, str) and setting.name not in PINNED_PATHS:
            os.environ[setting.name] = value
            for module, key, derived in environment_effects(setting.name, value):
                changes.setdefault(module, {}).setdefault(key, derived)
    try:
        with patched(changes):
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)


def options_applied(options: CompileOptions) -> contextlib.AbstractContextManager[None]:
    """``options.config`` patched into torch's config modules, for one compiled run."""
    changes: dict[str, dict[str, Any]] = {}
    for name, value in options.config:
        setting = CompileSetting(name, value)
        changes.setdefault(setting.config_module, {})[setting.config_field] = value
    return patched(changes)


@contextlib.contextmanager
def patched(changes: dict[str, dict[str, Any]]) -> Iterator[None]:
    """Each config module's keys set to the values given, while inside; a key this torch
    does not have is passed over."""
    for name in changes:
        importlib.import_module(name)  # a module not imported yet is not in the table
    modules = config_modules()
    with contextlib.ExitStack() as stack:
        for name, values in changes.items():
            for key, value in values.items():
                with contextlib.suppress(Exception):
                    stack.enter_context(modules[name].patch({key: value}))
        yield


def _literal(text: str) -> Any:
    try:
        return parsing.literal(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _config_key(path: str) -> tuple[str, str] | None:
    """``torch._inductor.config.triton.cudagraphs`` -> (module name, ``triton.cudagraphs``)."""
    for name in sorted(config_modules(), key=len, reverse=True):
        if path.startswith(name + "."):
            return name, path[len(name) + 1 :]
    return None


def environment_effects(variable: str, value: str) -> list[tuple[str, str, Any]]:
    """(config module, key, value) for each config entry ``variable=value`` would set."""
    effects = []
    modules = config_modules()
    for name in ENV_CONFIG_MODULES:
        module = modules.get(name)
        if module is None:
            continue
        for key, expression in definitions(name).get(variable, ()):
            derived = _evaluate(module, key, expression, variable, value)
            if derived is not _FAILED:
                effects.append((name, key, derived))
    return effects


_FAILED = object()


def _evaluate(module: ConfigModule, key: str, expression: str, variable: str, value: str) -> Any:
    saved = os.environ.get(variable)
    os.environ[variable] = value
    try:
        result = eval(expression, dict(vars(module)))  # torch's own config source
        if isinstance(result, _Config):
            entry = _ConfigEntry(result, key)
            for read in (entry.env_value_force, entry.env_value_default):
                if read is not _UNSET_SENTINEL:
                    return read
            return _FAILED
        return result
    except Exception:
        return _FAILED
    finally:
        if saved is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = saved


@functools.cache
def definitions(module_name: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Environment variable -> ((config key, defining expression), ...) in a config
    module's source, looking one call deep into the module's own helper functions."""
    module = config_modules().get(module_name)
    if module is None:
        return {}
    try:
        tree = parsing.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return {}
    helpers = {
        node.name: _env_names(node) for node in tree.body if isinstance(node, ast.FunctionDef)
    }
    found: dict[str, list[tuple[str, str]]] = {}
    for key, expression in _assignments(tree.body, ""):
        names = _env_names(expression)
        for call in ast.walk(expression):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                names |= helpers.get(call.func.id, set())
        for name in names:
            found.setdefault(name, []).append((key, ast.unparse(expression)))
    return {name: tuple(pairs) for name, pairs in found.items()}


def _assignments(body: list[ast.stmt], prefix: str) -> Iterator[tuple[str, ast.expr]]:
    """(dotted key, value) of each config assignment, nested classes included."""
    for node in body:
        if isinstance(node, ast.ClassDef):
            yield from _assignments(node.body, f"{prefix}{node.name}.")
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                yield f"{prefix}{target.id}", node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and node.value is not None
            and isinstance(node.target, ast.Name)
        ):
            yield f"{prefix}{node.target.id}", node.value


def _env_names(node: ast.AST) -> set[str]:
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value.startswith(("TORCHINDUCTOR_", "TORCHDYNAMO_", "TORCH_"))
    }
