"""The LLM flags of ``fuel fuzz``, as one decorator and one conversion.

``@llm_options`` adds ``--base-url --gen-model --analysis-model --budget-usd --no-cache
--dry-run`` (and ``--llm-preset --llm-config --max-repairs``) to a click command. Their
parameter names all start with ``llm_``, so a command taking ``**generator_params``
receives them untouched (and a resume can tell which flags were the LLM's);
:func:`settings_from_params` turns them into the one :class:`LLMSettings` that goes in
``GeneratorSettings.extra["llm"]``. This module imports no SDK, so ``fuel --help``
stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from fuel.llm.settings import DEFAULT_MAX_REPAIRS, LLMSettings

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option("--llm-preset", "llm_preset", default=None, metavar="NAME",
                 help="preset from config/model.yaml (default: its `default`)"),
    click.option("--llm-config", "llm_config", default=None,
                 type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="LLM presets file (default: config/model.yaml)"),
    click.option("--base-url", "llm_base_url", default=None, metavar="URL",
                 help="OpenAI-compatible endpoint, overriding the preset's"),
    click.option("--gen-model", "llm_gen_model", default=None, metavar="MODEL",
                 help="model writing and repairing programs"),
    click.option("--analysis-model", "llm_analysis_model", default=None, metavar="MODEL",
                 help="model analysing results (default: --gen-model if given, else the preset's)"),
    click.option("--budget-usd", "llm_budget_usd", default=None, metavar="USD",
                 type=click.FloatRange(min=0.0),
                 help="stop the campaign before LLM spending passes this"),
    click.option("--no-cache", "llm_no_cache", is_flag=True,
                 help="always ask the endpoint, never the response cache"),
    click.option("--dry-run", "llm_dry_run", is_flag=True,
                 help="print the prompts that would be sent; send nothing"),
    click.option("--max-repairs", "llm_max_repairs", default=DEFAULT_MAX_REPAIRS,
                 show_default=True, type=click.IntRange(min=0),
                 help="repair attempts for a program that fails in eager"),
)  # fmt: skip
PARAM_NAMES = (
    "llm_preset", "llm_config", "llm_base_url", "llm_gen_model", "llm_analysis_model",
    "llm_budget_usd", "llm_no_cache", "llm_dry_run", "llm_max_repairs",
)  # fmt: skip


def settings_from_options(
    *,
    llm_preset: str | None = None,
    llm_config: Path | None = None,
    llm_base_url: str | None = None,
    llm_gen_model: str | None = None,
    llm_analysis_model: str | None = None,
    llm_budget_usd: float | None = None,
    llm_no_cache: bool = False,
    llm_dry_run: bool = False,
    llm_max_repairs: int = DEFAULT_MAX_REPAIRS,
) -> LLMSettings:
    return LLMSettings(
        preset=llm_preset,
        config_path=llm_config,
        base_url=llm_base_url,
        gen_model=llm_gen_model,
        analysis_model=llm_analysis_model,
        budget_usd=llm_budget_usd,
        cache=not llm_no_cache,
        dry_run=llm_dry_run,
        max_repairs=llm_max_repairs,
    )


def llm_options(func: F) -> F:
    """Add the LLM flags; the command receives them as ``llm_*`` keyword arguments."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def settings_from_params(params: Mapping[str, Any]) -> LLMSettings:
    """The LLM settings among a command's parameters (the other names are ignored)."""
    return settings_from_options(**{name: params[name] for name in PARAM_NAMES if name in params})
