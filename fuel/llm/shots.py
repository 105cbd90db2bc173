"""Few-shot examples: earlier exchanges shown to the model before each real request.

They live as data in ``templates/shots.yaml`` (or a ``shots.yaml`` in ``prompt_dir``,
which replaces it whole). The user side of a shot holds only the values its template
needs (operators and angles for a generation, the broken source, error and stage for a
repair); :class:`~fuel.llm.prompts.PromptBook` renders it with the same template as
the real request, so the model sees exactly the format it is asked for, and the
assistant side is the program in one fenced block: the answer format, shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fuel.errors import UsageError
from fuel.llm.config import describe

SHOTS_NAME = "shots.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class GenerateShotSpec(_Strict):
    seed: int
    ops: list[str]
    angles: list[str] = Field(min_length=1)
    program: str = Field(min_length=1)


class RepairShotSpec(_Strict):
    stage: str = Field(pattern=r"^(load|eager)$")
    error: str = Field(min_length=1)
    source: str = Field(min_length=1)
    program: str = Field(min_length=1)


class ShotsFile(_Strict):
    generate: list[GenerateShotSpec] = Field(default_factory=list)
    repair: list[RepairShotSpec] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class GenerateShot:
    seed: int
    ops: tuple[str, ...]
    angles: tuple[str, ...]
    program: str


@dataclass(frozen=True, slots=True)
class RepairShot:
    stage: str  # "load" or "eager", as in PromptBook.repair
    error: str
    source: str
    program: str


@dataclass(frozen=True, slots=True)
class Shots:
    generate: tuple[GenerateShot, ...] = ()
    repair: tuple[RepairShot, ...] = ()


def load_shots(folders: list[Path]) -> Shots:
    """The shots of the first folder holding a ``shots.yaml``; none when no folder does."""
    path = next((f / SHOTS_NAME for f in folders if (f / SHOTS_NAME).is_file()), None)
    if path is None:
        return Shots()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = ShotsFile.model_validate(data if data is not None else {})
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except ValidationError as exc:
        raise UsageError(f"{path}: {describe(exc)}") from None
    generate = tuple(
        GenerateShot(s.seed, tuple(s.ops), tuple(s.angles), s.program) for s in spec.generate
    )
    repair = tuple(RepairShot(s.stage, s.error, s.source, s.program) for s in spec.repair)
    return Shots(generate, repair)


def fenced(program: str) -> str:
    """An answer in the format asked of the model: one fenced python block, nothing else."""
    return f"```python\n{program.strip()}\n```\n"
