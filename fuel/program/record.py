"""The records a test program travels in.

A :class:`Program` is what generators produce and stores keep: source plus where it
came from. A :class:`ProgramSpec` is what the loader learnt about it (which class is
the model, how inputs are made); the executor needs nothing else to run it.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass


class InputStyle(str, enum.Enum):
    """How a program hands over its input tensors."""

    MAKE_INPUTS = "make_inputs"  # def make_inputs(): return (x, y)
    INPUTS_LIST = "inputs"  # inputs = [x, y] at module level
    BARE_TENSORS = "bare"  # x = torch.randn(...) at module level


@dataclass(frozen=True, slots=True)
class Program:
    """A test program's source and provenance. Rendering is done: this is final text."""

    source: str
    name: str = "program"
    seed: int | None = None
    ops: tuple[str, ...] = ()  # catalog names of the operators it was built around
    origin: str = "file"  # file | builtin | mutation | llm | reduced
    recipe: str = ""  # the generator's structured form (JSON), for mutation; "" if none

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.source.encode()).hexdigest()[:16]


class SettingKind(str, enum.Enum):
    """Where a compiler setting of a program is made."""

    CONFIG = "config"  # torch._inductor.config.fallback_random = True
    ENVIRONMENT = "environment"  # os.environ["TORCHINDUCTOR_FREEZING"] = "1"


@dataclass(frozen=True, slots=True)
class Setting:
    """A compiler setting the program makes; part of the repro, so it is applied to
    the compiled run and shown with the verdict."""

    kind: SettingKind
    name: str  # torch._inductor.config.triton.cudagraphs | TORCHINDUCTOR_FREEZING
    value: str  # the assigned expression's source: True, '1', 64
    line: int

    def __str__(self) -> str:
        if self.kind is SettingKind.ENVIRONMENT:
            return f"{self.name}={self.value}"
        return f"{self.name} = {self.value}"


@dataclass(frozen=True, slots=True)
class DeviceEdit:
    """One edit that moved the program to the device fuel runs it on."""

    line: int
    before: str  # .cuda() | 'cuda'
    after: str  # .to('cpu') | 'cpu'


@dataclass(frozen=True, slots=True)
class ProgramSpec:
    """A program that passed the loader, and how to instantiate it.

    When the program asked for another device than the one it runs on, ``program``
    holds the edited source and ``device_edits`` says what was changed."""

    program: Program
    model_class: str
    model_factory: str | None  # a function that returns the model, e.g. make_model
    model_instance: str | None  # a module-level instance, when Model() needs arguments
    input_style: InputStyle
    input_names: tuple[str, ...]
    forward_params: tuple[str, ...]
    settings: tuple[Setting, ...] = ()
    device_edits: tuple[DeviceEdit, ...] = ()
    device: str = "cpu"  # where it runs (the edits' target)

    def notes(self) -> tuple[str, ...]:
        """What a verdict on this program must say besides its own finding."""
        notes = []
        if self.settings:
            notes.append("settings: " + ", ".join(map(str, self.settings)))
        if self.device_edits:
            asked = sorted({e.before for e in self.device_edits})
            lines = ", ".join(str(line) for line in sorted({e.line for e in self.device_edits}))
            notes.append(
                f"ran on {self.device}, not as the program asks ({', '.join(asked)}; line {lines})"
            )
        return tuple(notes)
