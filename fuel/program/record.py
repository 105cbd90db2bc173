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


@dataclass(frozen=True, slots=True)
class ProgramSpec:
    """A program that passed the loader, and how to instantiate it."""

    program: Program
    model_class: str
    model_factory: str | None  # a function that returns the model, e.g. make_model
    model_instance: str | None  # a module-level instance, when Model() needs arguments
    input_style: InputStyle
    input_names: tuple[str, ...]
    forward_params: tuple[str, ...]
