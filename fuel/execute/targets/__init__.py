"""Targets: what turns a program's model into the thing compared with eager.

A target is one file: ``torch_compile`` (``torch.compile``: Dynamo, AOTAutograd,
Inductor), ``torch_export`` (``torch.export.export``, then the exported program's module)
and ``aoti`` (export, then AOTInductor's package, loaded and run). A test names its
target in ``CompileOptions.target``; the campaign's settings annealer chooses it per
test like any other compile setting (``target=export``), or ``--target`` pins it.

=========================== ============================================ ===================
hook (a :class:`Target`)    what it gives                                caller
=========================== ============================================ ===================
``prepare``                 the callable compared with eager, built from ``fuel.execute.
                            a fresh copy of the model and the inputs      runner``
``run``                     that callable on the inputs                  ``runner``
``accepts``                 whether a compile setting applies to it      the settings
                                                                         annealer, the CLI
``layers``                  the ladder it bisects a bug over (its own    ``fuel.triage.
                            options last)                                ablation``
``repro_call``,             the lines the standalone repro renders: an   ``fuel.report.
``repro_helpers``           expression for the compiled model, and the   repro``
                            functions it needs
``describe``                the same, in one line of the report          ``fuel.report``
=========================== ============================================ ===================

Nothing here imports torch until a target prepares a model: the campaign's driver, the
report and the CLI read targets' facts without building anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from fuel.execute.options import CompileSetting, SettingFamily, changes
from fuel.execute.records import CompileOptions
from fuel.registry import Registry

DEFAULT = CompileOptions().target


class TraceFailed(Exception):
    """A target's trace of the program (torch.export) raised what ``__cause__`` holds.

    A target may refuse a program by design there (graph breaks, data-dependent control
    flow): the runner marks the failure ``while_tracing`` and the judge decides."""


@dataclass(frozen=True, slots=True)
class Layer:
    """One rung of a target's bisection ladder: what the ablation runs, and the name the
    bisection gives the bug when this rung is the first that shows it."""

    name: str  # eager, aot_eager, ..., inductor; export, aoti
    trial: str  # the ablation's row: backend='eager', target=export
    options: CompileOptions


class Target:
    """Base of every target: set the class attributes, override ``prepare``, ``layers``
    and the repro's lines."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # what it runs, in a few words (reports, help)
    accepted: ClassVar[frozenset[SettingFamily]] = frozenset({SettingFamily.TARGET})
    # torch's CompilerBisector (Inductor's subsystems behind torch.compile) bisects it.
    bisectable: ClassVar[bool] = False
    # Buffers and parameters a run writes land on the model the run was given (so a run
    # is compared with eager on them too); False where the built artifact owns its own
    # copy by design (an AOTInductor package's constants).
    writes_module_state: ClassVar[bool] = True
    # The layer whose code a bug lives in when this target's own rung is the first that
    # shows it, where that is another layer's code too (known issues filed against it
    # match): AOTInductor's package is Inductor's kernels in a C++ wrapper.
    code_of_layer: ClassVar[str] = ""

    def accepts(self, setting: CompileSetting) -> bool:
        return setting.family in self.accepted

    def refuses(self, options: CompileOptions) -> tuple[CompileSetting, ...]:
        """The settings of ``options`` that do not apply to this target."""
        return tuple(s for s in changes(options) if not self.accepts(s))

    def prepare(
        self, model: Any, inputs: tuple[Any, ...], options: CompileOptions
    ) -> Callable[..., Any]:
        raise NotImplementedError

    def run(self, prepared: Callable[..., Any], inputs: tuple[Any, ...]) -> Any:
        return prepared(*inputs)

    def layers(self, options: CompileOptions) -> tuple[Layer, ...]:
        raise NotImplementedError

    def repro_call(self, model: str, args: str, options: CompileOptions) -> str:
        """The repro's expression for what is compared with eager: ``model`` names the
        model, ``args`` the call's arguments as written (``x0, x1`` or ``*inputs``)."""
        raise NotImplementedError

    def repro_helpers(self, options: CompileOptions) -> str:
        """Functions the repro's expression calls (none by default)."""
        return ""

    def describe(self, options: CompileOptions) -> str:
        """One line of the report: how the model was compiled."""
        return self.repro_call("model", "*inputs", options)


TARGETS: Registry[type[Target]] = Registry(
    "target",
    providers=(
        "fuel.execute.targets.torch_compile",
        "fuel.execute.targets.torch_export",
        "fuel.execute.targets.aoti",
    ),
)
register = TARGETS.register


def layer_also_known_as(layer: str) -> str:
    """The other layer whose code a bug first shown by ``layer`` is in, or ""."""
    return TARGETS.get(layer).code_of_layer if layer in TARGETS else ""


def target_named(name: str) -> Target:
    """The target registered as ``name``; a one-line ``UsageError`` for another name."""
    return TARGETS.get(name)()


def target_of(options: CompileOptions) -> Target:
    return target_named(options.target)


def names() -> tuple[str, ...]:
    return TARGETS.names()


def tuple_of(args: str) -> str:
    """The call's arguments as one tuple expression: ``(x0, x1,)``, ``(*inputs,)``."""
    return f"({args},)" if args else "()"
