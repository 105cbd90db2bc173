"""How the campaign reaches the LLM generator: registry, flags, hybrid, status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import fuel.llm.generator as wiring
from fuel.errors import FuelError, Rejected
from fuel.generate.base import GenerationRequest, Generator
from fuel.generate.registry import GeneratorSettings, create, names
from fuel.llm.hybrid import HybridGenerator
from fuel.llm.loop import LLMGenerator
from fuel.llm.options import PARAM_NAMES, llm_options, settings_from_params
from fuel.llm.settings import LLMSettings
from fuel.program.record import Program
from tests.llm.conftest import KEY, VALID, fenced, write_config
from tests.llm.server import ChatServer


def settings_for(server: ChatServer, tmp_path: Path, **overrides: Any) -> GeneratorSettings:
    llm = LLMSettings(
        config_path=write_config(tmp_path, server.url), cache_dir=tmp_path / "c", **overrides
    )
    return GeneratorSettings(seed=1, family_settings=(llm, "other"))


def test_registry_creates_llm_and_hybrid_after_preflight(
    server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUEL_API_KEY", KEY)
    made: list[str] = []
    monkeypatch.setattr(wiring, "create", lambda name, s: made.append(name))
    assert {"llm", "hybrid"} <= set(names())
    generator = create("llm", settings_for(server, tmp_path))
    assert isinstance(generator, LLMGenerator) and len(server.preflights) == 2
    assert isinstance(create("hybrid", settings_for(server, tmp_path)), HybridGenerator)
    assert made == []  # the built-in generator is created only when needed


def test_bad_key_stops_creation_with_one_line(
    server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUEL_API_KEY", "sk-not-the-right-one")
    with pytest.raises(FuelError) as caught:
        create("llm", settings_for(server, tmp_path))
    assert "refused the API key from FUEL_API_KEY (401)" in str(caught.value)
    assert "right-one" not in str(caught.value) and "\n" not in str(caught.value)


def test_dry_run_needs_no_key_and_sends_no_preflight(server: ChatServer, tmp_path: Path) -> None:
    create("llm", settings_for(server, tmp_path, dry_run=True))
    assert server.script.requests == []


def test_fallback_comes_from_the_registry_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[GeneratorSettings] = []
    monkeypatch.setattr(wiring, "create", lambda name, s: asked.append(s) or name)
    family = (LLMSettings(), "x")
    make = wiring.builtin_fallback(GeneratorSettings(seed=4, family_settings=family))
    assert asked == [] and make() == "builtin"  # type: ignore[comparison-overlap]
    assert asked[0].seed == 4 and asked[0].family_settings == ("x",)


def test_mutator_seam_without_mutate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wiring, "create", lambda name, s: Generator())
    mutate = wiring.builtin_mutator(GeneratorSettings())
    with pytest.raises(Rejected, match="no mutate"):
        mutate(Program(VALID), 1)


def test_llm_options_and_settings_from_params(tmp_path: Path) -> None:
    seen: list[LLMSettings] = []

    @click.command()
    @click.option("--rounds", type=int, default=1)
    @llm_options
    def fuzz(rounds: int, **generator_params: Any) -> None:
        assert set(generator_params) == set(PARAM_NAMES)
        seen.append(settings_from_params(generator_params))

    args = ["--rounds", "3", "--base-url", "http://127.0.0.1:1/v1", "--gen-model", "g",
            "--analysis-model", "a", "--budget-usd", "0.5", "--no-cache", "--dry-run",
            "--max-repairs", "4"]  # fmt: skip
    result = CliRunner().invoke(fuzz, args)
    assert result.exit_code == 0, result.output
    assert seen[0] == LLMSettings(
        base_url="http://127.0.0.1:1/v1", gen_model="g", analysis_model="a", budget_usd=0.5,
        cache=False, dry_run=True, max_repairs=4,
    )  # fmt: skip
    CliRunner().invoke(fuzz, [])
    assert seen[1] == LLMSettings()
    assert CliRunner().invoke(fuzz, ["--budget-usd", "-1"]).exit_code == 2


def mutant(program: Program, seed: int) -> Program:
    return Program(program.source + f"# mutant {seed}\n", origin="mutation", seed=seed)


def test_hybrid_is_the_llm_plus_builtin_mutation(make_llm: Callable, server: ChatServer) -> None:
    hybrid = HybridGenerator(make_llm(), mutant)
    assert not make_llm().mutates and hybrid.mutates  # plain llm: the campaign never mutates
    server.add(fenced(VALID))
    program = hybrid.generate(GenerationRequest((), seed=1))
    assert program.origin == "llm"
    child = hybrid.mutate(program, 9)
    assert child.origin == "mutation" and child.source.startswith(program.source)
    assert len(server.requests) == 1 and hybrid.llm_status().mutations == 1


def test_hybrid_mutation_failure_is_a_rejection(make_llm: Callable) -> None:
    def refuse(program: Program, seed: int) -> Program:
        raise Rejected("cannot mutate")

    hybrid = HybridGenerator(make_llm(), refuse)
    with pytest.raises(Rejected, match="cannot mutate"):
        hybrid.mutate(Program(VALID, origin="llm"), 1)
    assert (hybrid.mutations, hybrid.mutation_failures) == (0, 1)


def test_status_and_cost_serialise(make_llm: Callable, server: ChatServer) -> None:
    generator = make_llm(budget_usd=1.0)
    server.add(fenced(VALID))
    generator.generate(GenerationRequest((), seed=1))
    stored = generator.status()
    status = json.loads(stored.details)
    assert status["mode"] == "llm" and status["budget_usd"] == 1.0
    assert status["repairs"]["repaired"] == 0 and status["repairs"]["failed"] == 0
    assert status["from_llm"] == 1 and stored.spent_usd == status["cost_usd"]
    cost = json.loads(generator.cost_report())
    assert dict(cost["by_role"])["generate"]["requests"] == 1
    assert cost["by_round"][0][0] == 1 and cost["total"]["cost_usd"] > 0
    assert "$" in generator.llm_status().line() and "/$1.00" in generator.llm_status().line()


def test_bad_key_through_the_command_line_is_one_line_and_exit_2(
    server: ChatServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from fuel.cli.main import cli, main

    @click.command("llm-smoke")
    @llm_options
    def smoke(**params: Any) -> int:
        create("llm", GeneratorSettings(family_settings=(settings_from_params(params),)))
        return 0

    monkeypatch.setenv("FUEL_API_KEY", "sk-wrong-wrong")
    monkeypatch.setitem(cli.commands, "llm-smoke", smoke)
    config = str(write_config(tmp_path, server.url))
    assert main(["llm-smoke", "--llm-config", config, "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"fuel: error: LLM endpoint {server.url} refused the API key from FUEL_API_KEY (401)\n"
    )
    monkeypatch.setenv("FUEL_API_KEY", KEY)
    assert main(["llm-smoke", "--llm-config", config, "--no-cache", "--gen-model", "nope"]) == 2
    assert "model 'nope' not found" in capsys.readouterr().err
    (tmp_path / "model.yaml").write_text("default: [\n")
    assert main(["llm-smoke", "--llm-config", config]) == 2
    assert "malformed YAML" in capsys.readouterr().err


@pytest.mark.parametrize("generator", ["llm", "hybrid"])
def test_fuel_fuzz_runs_a_campaign_on_the_endpoint(
    generator: str,
    server: ChatServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`fuel fuzz --generator llm|hybrid` end to end: flags → preflight → programs from the
    endpoint → the pool (a fake one: no compiling) → store, with the spending recorded."""
    from fuel import serial
    from fuel.campaign import session
    from fuel.cli import fuzz as fuzz_command
    from fuel.cli.main import main
    from fuel.generate.base import GeneratorStatus
    from fuel.llm.status import Mode
    from fuel.store import CampaignStore
    from tests.campaign.toy import FakePool
    from tests.llm.server import Reply

    monkeypatch.setattr(session, "warm_pool", lambda settings: FakePool())
    monkeypatch.setattr(fuzz_command, "wiring", lambda no_reduce, also_on=(): session.Wiring())
    from fuel.catalog.cache import cache_dir

    monkeypatch.setenv("FUEL_API_KEY", KEY)
    monkeypatch.setenv("FUEL_CACHE_DIR", str(cache_dir()))  # the catalog's: built once
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # the LLM's: this test's
    server.standing = {
        "test-gen": Reply(fenced(VALID, before="Here it is:\n")),
        "test-analysis": Reply("All passed; try integer dtypes next."),
    }
    out = tmp_path / "c"
    argv = ["fuzz", "--generator", generator, "--max-round", "6", "--out", str(out), "-j", "1"]
    argv += ["--llm-config", str(write_config(tmp_path, server.url)), "--no-coverage", "-q"]
    code = main(argv)
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "tests          6 " in printed and "round limit" in printed
    assert len(server.preflights) == 2  # both roles checked before any work
    generation = [r for r in server.requests if r["model"] == "test-gen"]
    assert generation, "no program was asked of the generation model"
    with CampaignStore.read(out) as reader:
        stored = serial.loads(GeneratorStatus, reader.meta("generator_status") or "{}")
        status = json.loads(stored.details)
        cost = json.loads(reader.meta("generator_cost") or "{}")
        origins = {test.program.origin for test in reader.history()}
        spent = reader.summary(running=False).spent_usd
    assert status["mode"] == Mode.LLM.value and status["from_llm"] >= 1
    assert cost["total"]["cost_usd"] > 0 and dict(cost["by_role"])["analyse"]["requests"] >= 1
    assert "llm" in origins
    assert spent is not None and spent == pytest.approx(status["cost_usd"]) and spent > 0
    assert f"spent          ${spent:.4f}" in printed
    assert KEY not in (out / "campaign.db").read_bytes().decode("latin-1")
