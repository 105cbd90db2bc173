"""AOTInductor: the model exported, compiled ahead of time into a package
(``torch._inductor.aoti_compile_and_package``: Inductor's kernels and a C++ wrapper),
loaded (``aoti_load_package``) and run, as a deployed model is.

The package is written inside the worker's own directory (the only place the sandbox
lets it write) and goes with the job. A package owns its copy of the model's weights
and buffers: a buffer the program writes is updated in the package, not on the model,
by design, so an AOTI test compares outputs and inputs only. Inductor's configs apply
(``inductor.*`` settings), the C++ wrapper being AOTInductor's own.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

from fuel.execute.options import CompileSetting, SettingFamily
from fuel.execute.records import BISECT_LADDER, CompileOptions
from fuel.execute.targets import Layer, Target, register, tuple_of
from fuel.execute.targets.torch_export import export_layer, export_lines, exported

HELPER = "aoti_model"  # the repro's function that exports, packages and loads


@register("aoti")
class AOTInductor(Target):
    name = "aoti"
    summary = "torch.export, then an AOTInductor package, loaded and run"
    accepted = frozenset({SettingFamily.TARGET, SettingFamily.DYNAMIC, SettingFamily.CONFIG})
    writes_module_state = False
    code_of_layer = BISECT_LADDER[-1]  # a bug the exported program lacks is Inductor's

    def accepts(self, setting: CompileSetting) -> bool:
        """Inductor's configs, not Dynamo's (export traces without Dynamo's settings)."""
        if setting.family is SettingFamily.CONFIG:
            return setting.name.startswith("inductor.")
        return setting.family in self.accepted

    def prepare(
        self, model: Any, inputs: tuple[Any, ...], options: CompileOptions
    ) -> Callable[..., Any]:
        import torch

        program = exported(model, inputs, options)
        directory = tempfile.mkdtemp(prefix="aoti-", dir=os.getcwd())
        package = torch._inductor.aoti_compile_and_package(
            program, package_path=os.path.join(directory, "model.pt2")
        )
        loaded: Callable[..., Any] = torch._inductor.aoti_load_package(package)
        return loaded

    def layers(self, options: CompileOptions) -> tuple[Layer, ...]:
        """The exported program's module alone, then the package."""
        return (export_layer(options), Layer(self.name, f"target={self.name}", options))

    def repro_call(self, model: str, args: str, options: CompileOptions) -> str:
        return f"{HELPER}({model}, {tuple_of(args)})"

    def repro_helpers(self, options: CompileOptions) -> str:
        return (f"def {HELPER}(model, args):  # exported, packaged and loaded, as it is deployed\n"
                "    import os\n    import tempfile\n\n"
                f"{export_lines(options)}"
                '    path = os.path.join(tempfile.mkdtemp(), "model.pt2")\n'
                "    package = torch._inductor.aoti_compile_and_package("
                "program, package_path=path)\n"
                "    return torch._inductor.aoti_load_package(package)\n")  # fmt: skip

    def describe(self, options: CompileOptions) -> str:
        return ("torch._inductor.aoti_load_package(torch._inductor.aoti_compile_and_package("
                "torch.export.export(model, args)))")  # fmt: skip
