"""``config/model.yaml``: presets for endpoints and models, checked key by key.

The file is validated with pydantic models that forbid unknown keys, so a misspelt
``temprature`` stops fuel instead of being silently ignored; every problem is named in
one line (``presets.deepseek.generation.temprature: unknown key``). The result of
:func:`resolve` is plain frozen records: the rest of ``fuel.llm`` never sees YAML,
pydantic or the environment.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from fuel.errors import UsageError
from fuel.llm.settings import LLMSettings

CONFIG_NAME = Path("config") / "model.yaml"
KEY_FILE_NAME = "llm-key.txt"
KEY_ENV = "FUEL_API_KEY"
NO_KEY = "no-key"  # sent to servers that want none; the SDK refuses an empty key
CHECKOUT = Path(__file__).resolve().parents[2]
HTTP_URL = re.compile(r"^https?://[^\s/]+\S*$")


class Role(str, enum.Enum):
    """Why a request was sent; accounting is kept per role."""

    GENERATE = "generate"
    REPAIR = "repair"
    ANALYSE = "analyse"
    PREFLIGHT = "preflight"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RoleSpec(_Strict):
    model: str = Field(min_length=1)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    max_tokens: int = Field(default=2048, ge=1, le=200_000)


class PriceSpec(_Strict):
    input: float = Field(ge=0.0)  # USD per million prompt tokens
    output: float = Field(ge=0.0)  # USD per million completion tokens


class Preset(_Strict):
    base_url: str
    key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    key_required: bool = True
    price: PriceSpec | None = None
    timeout_s: float = Field(default=120.0, gt=0.0)  # the longest wait for the next token
    retries: int = Field(default=4, ge=0, le=20)
    backoff_s: float = Field(default=1.0, ge=0.0)
    concurrency: int = Field(default=4, ge=1, le=64)
    generation: RoleSpec
    analysis: RoleSpec | None = None  # default: the generation model, cooler and shorter
    # A folder of prompt templates (and shots.yaml) for this preset's models, relative
    # to the config file; --prompt-dir style overrides still win. Small models want
    # shorter prompts and simpler examples than large ones.
    prompt_dir: str | None = Field(default=None, min_length=1)
    # The catalog operators requests may name (default: all): a small model writes
    # valid programs around abs or cumsum, not around linalg.lu_solve.
    operators: list[str] | None = Field(default=None, min_length=1)

    @field_validator("base_url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not HTTP_URL.match(url):
            raise ValueError("must be an http:// or https:// URL")
        return url.rstrip("/")


class ModelFile(_Strict):
    default: str
    presets: dict[str, Preset] = Field(min_length=1)
    prices: dict[str, PriceSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _default_exists(self) -> ModelFile:
        if self.default not in self.presets:
            raise ValueError(f"default preset {self.default!r} is not under presets")
        return self


BUILT_IN = ModelFile(
    default="deepseek",
    presets={
        "deepseek": Preset(
            base_url="https://api.deepseek.com",
            key_env="DEEPSEEK_API_KEY",
            generation=RoleSpec(model="deepseek-chat", temperature=0.8),
        )
    },
    prices={"deepseek-chat": PriceSpec(input=0.28, output=0.42)},
)


@dataclass(frozen=True, slots=True)
class Price:
    input_per_mtok: float
    output_per_mtok: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok
        ) / 1e6


@dataclass(frozen=True, slots=True)
class ModelRole:
    """The model serving one role, and how it is asked."""

    model: str
    temperature: float
    max_tokens: int
    price: Price | None  # None: unknown, cost counted as 0 and no budget allowed


@dataclass(frozen=True, slots=True)
class Endpoint:
    base_url: str
    api_key: str = field(repr=False)  # never printed, logged, cached or stored
    key_source: str  # where the key came from, for error messages: "FUEL_API_KEY"
    timeout_s: float
    retries: int
    backoff_s: float
    concurrency: int


@dataclass(frozen=True, slots=True)
class ResolvedConfig:
    source: str  # the file the presets came from, or "built-in"
    preset: str
    endpoint: Endpoint
    generation: ModelRole
    analysis: ModelRole
    prompt_dir: Path | None = None  # the preset's prompt folder, resolved
    operators: tuple[str, ...] | None = None  # the preset's operator names; None: all

    def role(self, role: Role) -> ModelRole:
        return self.analysis if role is Role.ANALYSE else self.generation


def resolve(settings: LLMSettings, *, need_key: bool = True) -> ResolvedConfig:
    """Settings + config file + environment -> the endpoint and models to use.

    Raises ``UsageError`` with one line for a bad file, an unknown preset, a missing
    key (where the endpoint needs one) or a budget over models without a price.
    """
    path = find_config(settings.config_path)
    models = load_model_file(path) if path else BUILT_IN
    name = settings.preset or models.default
    if name not in models.presets:
        known = ", ".join(sorted(models.presets))
        raise UsageError(f"unknown LLM preset {name!r} (known: {known})")
    preset = models.presets[name]
    if settings.base_url is not None:
        check_url(settings.base_url)
        preset = preset.model_copy(update={"base_url": settings.base_url.rstrip("/")})
    generation = _role(preset.generation, settings.gen_model, preset, models)
    analysis_spec = preset.analysis or RoleSpec(
        model=preset.generation.model, temperature=0.2, max_tokens=400
    )
    analysis = _role(analysis_spec, settings.analysis_model or settings.gen_model, preset, models)
    if settings.budget_usd is not None:
        for role in (generation, analysis):
            if role.price is None:
                raise UsageError(
                    f"no price known for model {role.model!r}: add it under prices in "
                    f"{path or 'config/model.yaml'}, or drop --budget-usd"
                )
    key, source = find_key(preset, settings, path) if need_key else (NO_KEY, "none")
    endpoint = Endpoint(
        base_url=preset.base_url,
        api_key=key,
        key_source=source,
        timeout_s=_pick(settings.timeout_s, preset.timeout_s),
        retries=_pick(settings.retries, preset.retries),
        backoff_s=_pick(settings.backoff_s, preset.backoff_s),
        concurrency=_pick(settings.concurrency, preset.concurrency),
    )
    prompts = prompt_folder(preset, path)
    operators = tuple(sorted(set(preset.operators))) if preset.operators else None
    return ResolvedConfig(
        str(path) if path else "built-in", name, endpoint, generation, analysis, prompts, operators
    )


def prompt_folder(preset: Preset, config: Path | None) -> Path | None:
    if preset.prompt_dir is None:
        return None
    folder = (config.parent if config else Path.cwd()) / preset.prompt_dir
    if not folder.is_dir():
        raise UsageError(f"prompt_dir {preset.prompt_dir!r} of the preset: no folder {folder}")
    return folder


def _pick(override: Any, default: Any) -> Any:
    return default if override is None else override


def _role(spec: RoleSpec, model: str | None, preset: Preset, models: ModelFile) -> ModelRole:
    chosen = model or spec.model
    price_spec = models.prices.get(chosen) or preset.price
    price = Price(price_spec.input, price_spec.output) if price_spec else None
    return ModelRole(chosen, spec.temperature, spec.max_tokens, price)


def find_config(explicit: Path | None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"LLM config {explicit} does not exist")
        return explicit
    for candidate in (Path.cwd() / CONFIG_NAME, CHECKOUT / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def load_model_file(path: Path) -> ModelFile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return parse_model_file(text, str(path))


def parse_model_file(text: str, where: str) -> ModelFile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise UsageError(f"{where}: malformed YAML{at}: {problem}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected a mapping with default/presets/prices at the top")
    try:
        return ModelFile.model_validate(data)
    except ValidationError as exc:
        raise UsageError(f"{where}: {describe(exc)}") from None


def describe(exc: ValidationError) -> str:
    """Every problem pydantic found, in one line: ``where: what; where: what``."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "top level"
        if error["type"] == "extra_forbidden":
            what = "unknown key"
        elif error["type"] == "missing":
            what = "missing"
        else:
            message = error["msg"].removeprefix("Value error, ")
            what = f"{message[:1].lower()}{message[1:]}"
            if "input" in error and not isinstance(error["input"], dict | list):
                what += f" (got {error['input']!r})"
        parts.append(f"{where}: {what}")
    return "; ".join(parts)


def check_url(url: str) -> None:
    if not HTTP_URL.match(url):
        raise UsageError(f"--base-url {url!r} is not an http(s) URL")


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def find_key(preset: Preset, settings: LLMSettings, config: Path | None) -> tuple[str, str]:
    """(key, where it came from): FUEL_API_KEY, the preset's variable, then the key file."""
    for variable in (KEY_ENV, preset.key_env):
        if variable and os.environ.get(variable, "").strip():
            return os.environ[variable].strip(), variable
    key_file = settings.key_file or (
        config.parent / KEY_FILE_NAME if config else Path("config") / KEY_FILE_NAME
    )
    if key_file.is_file():
        lines = key_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        if lines and lines[0].strip():
            return lines[0].strip(), str(key_file)
    if not preset.key_required or is_loopback(preset.base_url):
        return NO_KEY, "none"
    wanted = f"{KEY_ENV}{' or ' + preset.key_env if preset.key_env else ''}"
    raise UsageError(f"no API key for {preset.base_url}: set {wanted}, or write it to {key_file}")


def with_key(config: ResolvedConfig, key: str, source: str) -> ResolvedConfig:
    """The same configuration with another key (tests, and a key typed in by a caller)."""
    return replace(config, endpoint=replace(config.endpoint, api_key=key, key_source=source))
