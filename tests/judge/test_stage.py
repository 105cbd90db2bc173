"""Stage classification from traceback frames."""

from __future__ import annotations

import pytest

from fuel.judge.stage import failure_stage
from fuel.judge.verdict import Stage
from tests.judge.crafted import failure

T = "/venv/site-packages/torch/"


@pytest.mark.parametrize(
    "paths,stage",
    [
        ((T + "_dynamo/convert_frame.py", T + "_dynamo/symbolic_convert.py"), Stage.DYNAMO),
        ((T + "_dynamo/output_graph.py", T + "_functorch/aot_autograd.py"), Stage.AOT),
        ((T + "_functorch/aot_autograd.py", T + "_inductor/lowering.py"), Stage.LOWERING),
        ((T + "_inductor/graph.py", T + "_inductor/scheduler.py"), Stage.CODEGEN),
        ((T + "_inductor/codegen/cpp.py", T + "_inductor/cpp_builder.py"), Stage.CPP_COMPILE),
        (
            (T + "_inductor/output_code.py", "/tmp/w/inductor/tmpab/xy/c" + "a" * 50 + ".py"),
            Stage.RUNTIME,
        ),
        ((T + "_dynamo/symbolic_convert.py", T + "_subclasses/fake_tensor.py"), Stage.DYNAMO),
        (("/home/u/prog.py",), Stage.UNKNOWN),
    ],
)
def test_innermost_marker_names_the_stage(paths: tuple[str, ...], stage: Stage) -> None:
    assert failure_stage(failure("RuntimeError", "x", *paths)) is stage


def test_stage_follows_wrapped_causes() -> None:
    inner = failure("LoweringException", "x", T + "_inductor/lowering.py")
    outer = failure("BackendCompilerFailed", "y", T + "_dynamo/output_graph.py", cause=inner)
    assert failure_stage(outer) is Stage.LOWERING
