"""torch.export: the model traced into an ExportedProgram (non-strict, torch's default),
whose module is then run eagerly on the inputs.

Export refuses by design what it cannot trace into one graph (graph breaks,
data-dependent control flow without ``torch.cond``, unsupported Python): such a failure
is raised as :class:`~fuel.execute.targets.TraceFailed` and judged apart from a bug.
With ``dynamic=True`` every dimension of every tensor input is ``Dim.AUTO``: dynamic
where the program allows, specialised where it does not, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fuel.execute.options import SettingFamily
from fuel.execute.records import CompileOptions
from fuel.execute.targets import Layer, Target, TraceFailed, register, tuple_of

HELPER = "export_model"  # the repro's function that exports as a user would


@register("export")
class TorchExport(Target):
    name = "export"
    summary = "torch.export.export, then the exported program's module"
    accepted = frozenset({SettingFamily.TARGET, SettingFamily.DYNAMIC})

    def prepare(
        self, model: Any, inputs: tuple[Any, ...], options: CompileOptions
    ) -> Callable[..., Any]:
        module: Callable[..., Any] = exported(model, inputs, options).module()
        return module

    def layers(self, options: CompileOptions) -> tuple[Layer, ...]:
        return (Layer(self.name, f"target={self.name}", options),)

    def repro_call(self, model: str, args: str, options: CompileOptions) -> str:
        return f"{HELPER}({model}, {tuple_of(args)})"

    def repro_helpers(self, options: CompileOptions) -> str:
        return (f"def {HELPER}(model, args):  # as a user exports it: the program's module\n"
                f"{export_lines(options)}"
                "    return program.module()\n")  # fmt: skip

    def describe(self, options: CompileOptions) -> str:
        shapes = ", dynamic_shapes=<Dim.AUTO for every dimension>" if options.dynamic else ""
        return f"torch.export.export(model, args{shapes}).module()"


def exported(model: Any, inputs: tuple[Any, ...], options: CompileOptions) -> Any:
    """The model exported on ``inputs``; ``TraceFailed`` for whatever export raised."""
    import torch

    shapes = free_dimensions(inputs) if options.dynamic else None
    try:
        return torch.export.export(model, tuple(inputs), dynamic_shapes=shapes)
    except Exception as error:
        raise TraceFailed(f"torch.export.export raised {type(error).__name__}") from error


def free_dimensions(inputs: tuple[Any, ...]) -> Any:
    """Export's dynamic-shape spec with ``Dim.AUTO`` on every dimension of every tensor."""
    import torch
    from torch.utils import _pytree

    auto = torch.export.Dim.AUTO
    return _pytree.tree_map(
        lambda a: dict.fromkeys(range(a.dim()), auto) if isinstance(a, torch.Tensor) else None,
        tuple(inputs),
    )


def export_lines(options: CompileOptions) -> str:
    """The repro's lines that export ``model`` on ``args`` into ``program``."""
    if not options.dynamic:
        return "    program = torch.export.export(model, args)\n"
    return ("    auto = torch.export.Dim.AUTO  # every dimension dynamic where export can keep it\n"
            "    shapes = torch.utils._pytree.tree_map(\n"
            "        lambda a: dict.fromkeys(range(a.dim()), auto) if torch.is_tensor(a) "
            "else None,\n"
            "        args,\n"
            "    )\n"
            "    program = torch.export.export(model, args, dynamic_shapes=shapes)\n")  # fmt: skip


def export_layer(options: CompileOptions) -> Layer:
    """The export rung of a ladder above it: the same program, exported and run alone."""
    return Layer("export", "target=export", replace(options, target="export", config=()))
