"""config/model.yaml: presets, overrides, key lookup, and one clear line per mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuel.errors import UsageError
from fuel.llm.config import CHECKOUT, NO_KEY, load_model_file, parse_model_file, resolve
from fuel.llm.settings import LLMSettings

GOOD = """default: remote
presets:
  remote:
    base_url: https://llm.example.com/v1
    key_env: REMOTE_KEY
    generation: {model: big, temperature: 0.9, max_tokens: 1500}
  local:
    base_url: http://127.0.0.1:8000/v1
    generation: {model: small}
prices:
  big: {input: 1, output: 3.5}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(UsageError) as caught:
        resolve(LLMSettings(config_path=write(tmp_path, text)))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_shipped_presets_load_and_default_to_deepseek(monkeypatch: pytest.MonkeyPatch) -> None:
    models = load_model_file(CHECKOUT / "config" / "model.yaml")
    assert models.default == "deepseek"
    assert {"deepseek", "openai", "vllm", "sglang", "ollama"} <= set(models.presets)
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-env")
    config = resolve(LLMSettings(config_path=CHECKOUT / "config" / "model.yaml"))
    assert config.generation.model == "deepseek-chat"
    assert config.endpoint.key_source == "DEEPSEEK_API_KEY"
    assert config.generation.price is not None


def test_malformed_yaml_is_one_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "default: x\npresets: {a: [1, 2\n")
    assert "malformed YAML at line" in message


def test_not_a_mapping(tmp_path: Path) -> None:
    assert "expected a mapping" in error_of(tmp_path, "- just\n- a list\n")


def test_unknown_key_is_named(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("temperature: 0.9", "temprature: 0.9"))
    assert "presets.remote.generation.temprature: unknown key" in message


def test_wrong_values_are_all_named(tmp_path: Path) -> None:
    text = GOOD.replace("temperature: 0.9", "temperature: hot").replace(
        "max_tokens: 1500", "max_tokens: 0"
    )
    message = error_of(tmp_path, text)
    assert "presets.remote.generation.temperature" in message and "'hot'" in message
    assert "presets.remote.generation.max_tokens" in message
    assert "; " in message  # both problems, one line


def test_missing_model_and_bad_url(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("model: small", "").replace("http://", "ftp://"))
    assert "presets.local.generation.model: missing" in message
    assert "presets.local.base_url" in message


def test_default_must_name_a_preset(tmp_path: Path) -> None:
    assert "default preset 'nowhere'" in error_of(
        tmp_path, GOOD.replace("remote\n", "nowhere\n", 1)
    )


def test_unknown_preset(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"unknown LLM preset 'x'.*known: local, remote"):
        resolve(LLMSettings(config_path=write(tmp_path, GOOD), preset="x"))


def test_overrides_and_analysis_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMOTE_KEY", "k-remote")
    path = write(tmp_path, GOOD)
    config = resolve(LLMSettings(config_path=path))
    assert (config.generation.model, config.generation.max_tokens) == ("big", 1500)
    assert (config.analysis.model, config.analysis.temperature) == ("big", 0.2)
    config = resolve(
        LLMSettings(config_path=path, base_url="https://other.example/v1/", gen_model="g")
    )
    assert config.endpoint.base_url == "https://other.example/v1"
    assert config.analysis.model == "g"  # follows --gen-model unless --analysis-model
    config = resolve(LLMSettings(config_path=path, gen_model="g", analysis_model="a"))
    assert (config.generation.model, config.analysis.model) == ("g", "a")
    with pytest.raises(UsageError, match="not an http"):
        resolve(LLMSettings(config_path=path, base_url="api.example.com"))


def test_key_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GOOD)
    (tmp_path / "llm-key.txt").write_text("k-file\n# comment\n", encoding="utf-8")
    assert resolve(LLMSettings(config_path=path)).endpoint.api_key == "k-file"
    monkeypatch.setenv("REMOTE_KEY", "k-provider")
    assert resolve(LLMSettings(config_path=path)).endpoint.api_key == "k-provider"
    monkeypatch.setenv("FUEL_API_KEY", "k-fuel")
    config = resolve(LLMSettings(config_path=path))
    assert (config.endpoint.api_key, config.endpoint.key_source) == ("k-fuel", "FUEL_API_KEY")
    assert "k-fuel" not in repr(config)


def test_missing_key_for_remote_but_not_for_loopback(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with pytest.raises(UsageError, match=r"no API key for https://llm.example.com/v1: set FUEL"):
        resolve(LLMSettings(config_path=path))
    assert resolve(LLMSettings(config_path=path, preset="local")).endpoint.api_key == NO_KEY


def test_budget_needs_prices(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with pytest.raises(UsageError, match="no price known for model 'small'"):
        resolve(LLMSettings(config_path=path, preset="local", budget_usd=1.0))


def test_parse_reports_the_source_name() -> None:
    with pytest.raises(UsageError, match=r"^here.yaml: presets: missing"):
        parse_model_file("default: a\n", "here.yaml")


def test_the_local_preset_brings_its_prompts_and_operators() -> None:
    config = resolve(LLMSettings(preset="local", config_path=CHECKOUT / "config" / "model.yaml"))
    assert config.prompt_dir == CHECKOUT / "config" / "prompts" / "small"
    assert config.operators is not None and "cumsum" in config.operators
    assert config.endpoint.base_url == "http://127.0.0.1:8765/v1" and config.endpoint.api_key
    assert config.generation.model == config.analysis.model == "SmolLM2-135M-Instruct"


def test_a_missing_prompt_folder_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("generation: {model: small}",
                                        "generation: {model: small}\n    prompt_dir: nowhere"))
    with pytest.raises(UsageError, match="prompt_dir 'nowhere' of the preset: no folder"):
        resolve(LLMSettings(preset="local", config_path=path))
