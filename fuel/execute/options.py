"""Compile settings: one change each to the options a test is compiled with.

A :class:`CompileSetting` is one such change (``dynamic=True``, ``inductor.freezing=True``):
what the settings annealer chooses per test, what ``campaign.db`` stores per test, what
the ablation drops one at a time and what a root-cause class needs. Its families are
defined here once (:class:`SettingFamily`), and so is its one stored text form,
``name=value`` (:attr:`CompileSetting.text`): a string value bare
(``mode=max-autotune-no-cudagraphs``), any other as Python writes it. :meth:`parse` also
reads the form root-cause classes used before (``mode='max-autotune'``).

Three operations relate settings to :class:`~fuel.execute.records.CompileOptions`:
:func:`apply` (the options with settings made), :func:`changes` (the settings options
have beyond torch.compile's defaults: the inverse of ``apply``) and
:meth:`CompileSetting.without` (the options with one setting undone).

Nothing here imports torch: the store, which records settings, runs without it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from fuel.execute.records import CompileOptions
from fuel.program import parsing


class SettingFamily(str, enum.Enum):
    """What a compile setting changes. Each but ``CONFIG`` is a field of
    ``CompileOptions`` (and a command-line flag that pins it)."""

    TARGET = "target"  # what is compared with eager: torch.compile, torch.export, AOTI
    DYNAMIC = "dynamic"  # symbolic shapes, guards and unbacked sizes
    BACKWARD = "backward"  # AOTAutograd's backward graph and the partitioner
    FULLGRAPH = "fullgraph"  # capture without graph breaks
    MODE = "mode"  # torch.compile's mode: Inductor's templates and autotuning
    CONFIG = "config"  # one compiler config: inductor.<field>, dynamo.<field>, functorch.<field>


# A config setting's name begins with its module's short name: inductor.cpp.simdlen.
CONFIG_MODULES = {
    "inductor": "torch._inductor.config",
    "dynamo": "torch._dynamo.config",
    "functorch": "torch._functorch.config",
}
OPTION_FAMILIES = tuple(f for f in SettingFamily if f is not SettingFamily.CONFIG)


def family_of(name: str) -> SettingFamily:
    """The family of a setting's name; ``ValueError`` for a name no family has."""
    module, dot, field = name.partition(".")
    if dot:
        if module not in CONFIG_MODULES or not field:
            raise ValueError(f"{name!r} is no compiler config (inductor.*, dynamo.*, functorch.*)")
        return SettingFamily.CONFIG
    try:
        family = SettingFamily(name)
    except ValueError:
        known = ", ".join(f.value for f in OPTION_FAMILIES)
        raise ValueError(f"{name!r} is no compile setting ({known}, or a config)") from None
    if family is SettingFamily.CONFIG:
        raise ValueError("a config setting is named by its config: inductor.freezing")
    return family


@dataclass(frozen=True, slots=True)
class CompileSetting:
    """One change to the compile options: ``name`` is an option's field (``dynamic``) or a
    compiler config's dotted name (``inductor.cpp.simdlen``)."""

    STORED_AS_TEXT: ClassVar[bool] = True  # fuel.serial keeps it as its text

    name: str
    value: Any

    def __post_init__(self) -> None:
        family_of(self.name)

    @property
    def family(self) -> SettingFamily:
        return family_of(self.name)

    @property
    def word(self) -> str:
        """The value as the text writes it: a string bare, anything else as Python does."""
        return self.value if isinstance(self.value, str) else repr(self.value)

    @property
    def text(self) -> str:
        """The one stored form: ``campaign.db``, root-cause classes, logs."""
        return f"{self.name}={self.word}"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> CompileSetting:
        """The setting a text names, in the stored form or the quoted one root-cause
        classes once had; ``ValueError`` (one line) for a text that names none."""
        name, equals, word = text.strip().partition("=")
        if not equals or not name:
            raise ValueError(f"{text!r} is not a compile setting (name=value)")
        try:
            value = parsing.literal(word)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            value = word  # a plain word: a mode's name
        return cls(name, value)

    @classmethod
    def from_legacy(cls, text: str) -> CompileSetting:
        """How :mod:`fuel.serial` reads the stored text form."""
        return cls.parse(text)

    @property
    def config_module(self) -> str:
        """The torch module a config setting lives in (``torch._inductor.config``)."""
        return CONFIG_MODULES[self.name.partition(".")[0]]

    @property
    def config_field(self) -> str:
        """The config's name inside its module (``cpp.simdlen``)."""
        return self.name.partition(".")[2]

    def apply(self, options: CompileOptions) -> CompileOptions:
        """``options`` with this setting made."""
        if self.family is SettingFamily.CONFIG:
            return options.with_config(self.name, self.value)
        return replace(options, **{self.name: self.value})

    def without(self, options: CompileOptions) -> CompileOptions:
        """``options`` with this setting's name back at torch.compile's default."""
        if self.family is SettingFamily.CONFIG:
            return replace(options, config=tuple(i for i in options.config if i[0] != self.name))
        return replace(options, **{self.name: getattr(CompileOptions(), self.name)})


def apply(options: CompileOptions, settings: Iterable[CompileSetting]) -> CompileOptions:
    """``options`` with each setting made; of two settings of one name, the first wins."""
    seen: set[str] = set()
    for setting in settings:
        if setting.name not in seen:
            seen.add(setting.name)
            options = setting.apply(options)
    return options


def changes(options: CompileOptions) -> tuple[CompileSetting, ...]:
    """The settings of ``options`` that torch.compile's defaults do not have, sorted by
    text: ``apply(CompileOptions(), changes(options))`` compiles as ``options`` does."""
    default = CompileOptions()
    found = [CompileSetting(name, value) for name, value in options.config]
    found += [CompileSetting(f.value, getattr(options, f.value)) for f in OPTION_FAMILIES
              if getattr(options, f.value) != getattr(default, f.value)]  # fmt: skip
    return ordered(found)


def ordered(settings: Iterable[CompileSetting]) -> tuple[CompileSetting, ...]:
    """Settings in their one order (by text), each once."""
    return tuple(sorted(set(settings), key=lambda s: s.text))


def parse_all(texts: Iterable[str]) -> tuple[CompileSetting, ...]:
    """Settings from their stored texts, in the order given."""
    return tuple(CompileSetting.parse(text) for text in texts)


def texts(settings: Iterable[CompileSetting]) -> list[str]:
    """The stored texts of settings, in the order given."""
    return [setting.text for setting in settings]
