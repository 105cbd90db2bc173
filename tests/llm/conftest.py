"""Fixtures for the LLM tests: a scripted endpoint on loopback, a config pointing at it,
and a stand-in fallback generator. No test here reaches beyond 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fuel.feedback.record import Feedback
from fuel.generate.base import GenerationRequest
from fuel.judge.verdict import Verdict
from fuel.llm.cache import ResponseCache
from fuel.llm.config import resolve
from fuel.llm.loop import LLMGenerator
from fuel.llm.settings import LLMSettings
from fuel.program.record import Program
from tests.llm.server import ChatServer

KEY = "test-key-0123456789"

VALID = """import torch


class Model(torch.nn.Module):
    def forward(self, x, y):
        return torch.relu(x @ y).sum(dim=0)


def make_inputs():
    return torch.randn(3, 4), torch.randn(4, 5)
"""

CONFIG = """default: local
presets:
  local:
    base_url: {url}
    key_env: FUEL_TEST_UNUSED_KEY
    timeout_s: {timeout}
    retries: 2
    backoff_s: 0.01
    concurrency: 2
    generation: {{model: test-gen, temperature: 0.5, max_tokens: 1000}}
    analysis: {{model: test-analysis, temperature: 0.1, max_tokens: 200}}
prices:
  test-gen: {{input: 1.0, output: 2.0}}
  test-analysis: {{input: 0.5, output: 1.0}}
"""


def fenced(source: str, before: str = "", after: str = "") -> str:
    return f"{before}```python\n{source}```\n{after}"


class StubGenerator:
    """A fallback standing in for the built-in generator."""

    name = "stub"

    def __init__(self) -> None:
        self.calls = 0
        self.observed: list[Feedback] = []

    def generate(self, request: GenerationRequest) -> Program:
        self.calls += 1
        source = VALID.replace("sum(dim=0)", f"sum(dim=0) * {request.seed}")
        return Program(source, f"stub-{request.seed}", request.seed, request.ops, "builtin")

    def observe(self, feedback: Feedback) -> None:
        self.observed.append(feedback)

    def repair(self, program: Program, verdict: Verdict) -> Program | None:
        return None


@pytest.fixture(autouse=True)
def no_real_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FUEL_API_KEY", "DEEPSEEK_API_KEY", "OPENAI_API_KEY", "FUEL_TEST_UNUSED_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server() -> Iterator[ChatServer]:
    endpoint = ChatServer(key=KEY, models=("test-gen", "test-analysis")).start()
    yield endpoint
    endpoint.stop()


def write_config(folder: Path, url: str, timeout: float = 5.0) -> Path:
    path = folder / "model.yaml"
    path.write_text(CONFIG.format(url=url, timeout=timeout), encoding="utf-8")
    return path


@pytest.fixture
def make_llm(
    server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., LLMGenerator]:
    """An LLMGenerator on the scripted server; keyword arguments override LLMSettings."""
    monkeypatch.setenv("FUEL_API_KEY", KEY)
    sleeps: list[float] = []

    def make(
        *, fallback: Any = None, timeout: float = 5.0, echo: Any = None, **overrides: Any
    ) -> LLMGenerator:
        values: dict[str, Any] = {
            "config_path": write_config(tmp_path, server.url, timeout),
            "cache_dir": tmp_path / "cache",
        }
        values.update(overrides)
        settings = LLMSettings(**values)
        generator = LLMGenerator(
            resolve(settings),
            settings,
            fallback=(lambda: fallback) if fallback is not None else None,
            cache=ResponseCache(settings.cache_dir)
            if settings.cache and settings.cache_dir
            else None,
            echo=echo or (lambda text: None),
            sleep=sleeps.append,
        )
        return generator

    make.sleeps = sleeps  # type: ignore[attr-defined]
    return make
