"""What the user asked of the LLM generator, before the configuration file is read.

:class:`LLMSettings` is the object the campaign carries in
``GeneratorSettings.extra["llm"]``. It holds only choices (flags, paths, limits): the
endpoint, models and prices are resolved from ``config/model.yaml`` by
:func:`fuel.llm.config.resolve`, and the key is looked up at that moment, so no key
ever sits in a settings object that may be printed or stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_REPAIRS = 2


@dataclass(frozen=True, slots=True)
class LLMSettings:
    """Flags of ``fuel fuzz`` that concern the LLM; None means "the preset's value"."""

    preset: str | None = None  # a name under `presets:` in the config file
    config_path: Path | None = None  # None: ./config/model.yaml, then the checkout's
    key_file: Path | None = None  # None: config/llm-key.txt beside the config file
    base_url: str | None = None
    gen_model: str | None = None
    analysis_model: str | None = None
    budget_usd: float | None = None  # None: no limit
    cache: bool = True
    cache_dir: Path | None = None  # None: $XDG_CACHE_HOME/fuel/llm (~/.cache/fuel/llm)
    dry_run: bool = False
    max_repairs: int = DEFAULT_MAX_REPAIRS
    # Client behaviour; None takes the preset's value (see fuel.llm.config.Preset).
    timeout_s: float | None = None
    retries: int | None = None
    backoff_s: float | None = None
    concurrency: int | None = None
    # How many programs the fallback generator makes before the LLM is tried again.
    probe_every: int = 5
    # Analyse feedback only for programs this generator wrote (the rest teaches the
    # generation model little and would cost an analysis call each).
    analyse: bool = True
    prompt_dir: Path | None = None  # a folder of .j2 files overriding the packaged ones
