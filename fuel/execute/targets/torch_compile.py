"""torch.compile: Dynamo captures the model, AOTAutograd and Inductor (or the backend
the options name) compile what it captured, on the first call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fuel.execute.options import SettingFamily, changes
from fuel.execute.records import BISECT_LADDER, CompileOptions
from fuel.execute.targets import Layer, Target, register

# The settings torch.compile takes as arguments, in the order the repro writes them.
COMPILE_ARGUMENTS = (SettingFamily.MODE, SettingFamily.DYNAMIC, SettingFamily.FULLGRAPH)


@register("compile")
class TorchCompile(Target):
    name = "compile"
    summary = "torch.compile"
    accepted = frozenset(SettingFamily)
    bisectable = True

    def prepare(
        self, model: Any, inputs: tuple[Any, ...], options: CompileOptions
    ) -> Callable[..., Any]:
        import torch

        torch._dynamo.reset()
        kwargs: dict[str, Any] = {"backend": options.backend, "fullgraph": options.fullgraph}
        if options.mode:
            kwargs["mode"] = options.mode
        if options.dynamic is not None:
            kwargs["dynamic"] = options.dynamic
        return torch.compile(model, **kwargs)

    def layers(self, options: CompileOptions) -> tuple[Layer, ...]:
        """The backend ladder up to the options' own backend: Dynamo alone, then
        AOTAutograd, the decompositions, Inductor."""
        ladder: tuple[str, ...] = BISECT_LADDER
        if options.backend in ladder:
            ladder = ladder[: ladder.index(options.backend)]
        return tuple(Layer(b, f"backend={b!r}", options.with_backend(b))
                     for b in (*ladder, options.backend))  # fmt: skip

    def repro_call(self, model: str, args: str, options: CompileOptions) -> str:
        return f"torch.compile({model}, {compile_args(options)})"

    def describe(self, options: CompileOptions) -> str:
        return self.repro_call("model", "", options)


def compile_args(options: CompileOptions) -> str:
    """torch.compile's arguments for ``options``, as the repro writes them."""
    made = {setting.family: setting for setting in changes(options)}
    args = [f"backend={options.backend!r}"]
    args += [f"{made[f].name}={made[f].value!r}" for f in COMPILE_ARGUMENTS if f in made]
    return ", ".join(args)
