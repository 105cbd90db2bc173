"""Which stage of the torch.compile pipeline raised a failure.

The pipeline runs Dynamo, then AOTAutograd (functionalization, decompositions), then
Inductor's lowering, code generation, the C++ compile, and finally the compiled code.
A traceback (followed through wrapped causes) passes through marker files of those
stages; the innermost marker names the stage that raised.
"""

from __future__ import annotations

import re
from pathlib import Path

import fuel
from fuel.execute.records import Failure, Frame
from fuel.judge.kinds import Stage

# (pattern on the path inside the torch package, stage), checked in this order
MARKERS: tuple[tuple[re.Pattern[str], Stage], ...] = tuple(
    (re.compile(pattern), stage)
    for pattern, stage in (
        (r"torch/_inductor/(output_code|runtime/)|torch/export/pt2_archive/", Stage.RUNTIME),
        (r"torch/_inductor/(cpp_builder|codecache|compile_worker/)", Stage.CPP_COMPILE),
        (r"torch/_inductor/(codegen/|scheduler)", Stage.CODEGEN),
        (r"torch/_inductor/", Stage.LOWERING),
        (r"torch/_functorch/|torch/_subclasses/functional_tensor", Stage.AOT),
        (r"torch/_dynamo/(symbolic_convert|convert_frame|variables/|output_graph)", Stage.DYNAMO),
        (r"torch/export/|torch/_export/", Stage.EXPORT),
    )
)
# fuel's own source: a failure raised here is fuel's error, not the program's or torch's.
FUEL_PACKAGE = str(Path(fuel.__file__).resolve().parent) + "/"
# Code Inductor generated and loaded from its cache directory: the compiled program.
GENERATED = re.compile(r"/inductor/.*/[a-z0-9]{2}/c[a-z0-9]{40,}\.py$")


def chain_frames(failure: Failure) -> list[Frame]:
    frames: list[Frame] = []
    current: Failure | None = failure
    while current is not None:
        frames.extend(current.frames)
        current = current.cause
    return frames


def stage_of_frame(frame: Frame) -> Stage | None:
    if GENERATED.search(frame.filename):
        return Stage.RUNTIME
    for pattern, stage in MARKERS:
        if pattern.search(frame.filename):
            return stage
    return None


def failure_stage(failure: Failure) -> Stage:
    """The stage of the innermost marker frame; DYNAMO for Dynamo's own exceptions."""
    found = Stage.UNKNOWN
    for frame in chain_frames(failure):
        stage = stage_of_frame(frame)
        if stage is not None:
            found = stage
    if found is Stage.UNKNOWN and innermost(failure).exc_type.startswith("torch._dynamo"):
        return Stage.DYNAMO
    return found


def raised_in_fuel(failure: Failure) -> Frame | None:
    """The frame of fuel's own code that raised ``failure`` (its innermost frame), or
    None when the program or torch raised it."""
    frames = innermost(failure).frames
    if frames and frames[-1].filename.startswith(FUEL_PACKAGE):
        return frames[-1]
    return None


def innermost(failure: Failure) -> Failure:
    while failure.cause is not None:
        failure = failure.cause
    return failure


def torch_frames(failure: Failure, limit: int = 6) -> tuple[str, ...]:
    """The last frames inside the torch package, as 'torch/x.py:12 in f'."""
    shown = []
    for frame in chain_frames(failure):
        relative = torch_relative(frame.filename)
        if relative:
            shown.append(f"{relative}:{frame.lineno} in {frame.function}")
    return tuple(shown[-limit:])


def torch_relative(path: str) -> str | None:
    index = path.rfind("/torch/")
    return path[index + 1 :] if index >= 0 else None
