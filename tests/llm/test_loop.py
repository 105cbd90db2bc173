"""The generator over real HTTP: rounds, unusable replies, analysis, fallback, budget,
cache and dry run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fuel.errors import Rejected, UsageError
from fuel.feedback.record import Feedback
from fuel.generate.base import GenerationRequest, Generator
from fuel.judge.verdict import CrashEvidence, Kind, Outcome, Stage, Verdict
from fuel.llm.config import Role
from fuel.llm.errors import BudgetExhausted
from fuel.llm.status import Mode
from fuel.program.loader import load_program
from tests.llm.conftest import KEY, VALID, StubGenerator, fenced
from tests.llm.server import ChatServer, Reply

OPS = ("torch.matmul", "torch.relu")
FORBIDDEN = VALID.replace("import torch\n", "import torch\nimport ctypes\n", 1)
NO_MODEL = "import torch\n\n\ndef forward(x):\n    return x * 2\n"


def user_prompt(body: dict) -> str:
    return str(body["messages"][-1]["content"])


def test_a_normal_round(make_llm: Callable, server: ChatServer) -> None:
    generator = make_llm()
    assert isinstance(generator, Generator)
    server.add(fenced(VALID))
    program = generator.generate(GenerationRequest(OPS, seed=7))
    assert (program.origin, program.ops, program.seed, program.name) == ("llm", OPS, 7, "llm-7")
    load_program(program)  # the campaign's check passes
    sent = server.requests[0]
    roles = [m["role"] for m in sent["messages"]]
    assert roles == ["system", *["user", "assistant"] * 3, "user"]  # three shots first
    assert "torch.matmul, torch.relu" in user_prompt(sent) and "number 7" in user_prompt(sent)
    assert "make_inputs()" in sent["messages"][0]["content"]  # the format contract
    assert sent["messages"][2]["content"].startswith("```python\nimport torch")  # a shot
    assert sent["max_tokens"] < 1000  # what a program needs, under the preset's 1000
    status = generator.llm_status()
    assert (status.mode, status.from_llm, status.rejected_replies) == (Mode.LLM, 1, 0)
    assert status.cost_usd > 0 and "llm test-gen" in status.line()


def test_analysis_steers_the_next_round(make_llm: Callable, server: ChatServer) -> None:
    generator = make_llm()
    server.add(fenced(VALID), "Inductor fused it all. Try a strided input next.", fenced(VALID))
    first = generator.generate(GenerationRequest(OPS, seed=1))
    crash = CrashEvidence("RuntimeError", "bad at 0x7f00deadbeef in /tmp/fuel-worker-1/p.py")
    verdict = Verdict(
        Outcome.BUG, Kind.COMPILE_CRASH, Stage.LOWERING, "compiled raised", crash=crash
    )
    files = (("torch/_inductor/lowering.py", 40), ("torch/_inductor/ir.py", 3))
    generator.observe(Feedback(first, verdict, 43, files, new_bug=True))
    generator.generate(GenerationRequest(OPS, seed=2))
    analysis, generation = server.requests[1], server.requests[2]
    assert analysis["model"] == "test-analysis"
    text = user_prompt(analysis)
    assert "compile_crash" in text and "torch/_inductor/lowering.py: 40" in text
    assert "0x7f00deadbeef" not in text and "/tmp/" not in text  # deterministic prompts
    assert "Try a strided input next." in user_prompt(generation)
    assert "class Model" in user_prompt(generation)  # the previous program
    by_role = dict(generator.costs().by_role)
    assert by_role[Role.ANALYSE].requests == 1 and by_role[Role.GENERATE].requests == 2


def test_prose_around_the_code(make_llm: Callable, server: ChatServer) -> None:
    server.add(fenced(VALID, "Here is a tricky one.\n", "\nIt mixes matmul and relu."))
    assert make_llm().generate(GenerationRequest(OPS, seed=1)).source == VALID


def test_reply_without_model_is_counted_and_reasked(make_llm: Callable, server: ChatServer) -> None:
    generator = make_llm()
    server.add(fenced(NO_MODEL), fenced(VALID))
    program = generator.generate(GenerationRequest(OPS, seed=1))
    assert program.source == VALID
    reask = user_prompt(server.requests[1])
    assert "refused before it could run" in reask and "no torch.nn.Module subclass" in reask
    status = generator.llm_status()
    assert status.rejected_replies == 1 and status.from_llm == 1
    assert status.rejection_reasons == (("no torch.nn.Module subclass found", 1),)


def test_forbidden_import_is_rejected(make_llm: Callable, server: ChatServer) -> None:
    generator = make_llm(max_repairs=3)
    server.add(fenced(FORBIDDEN), fenced("# the same again\n" + FORBIDDEN))
    with pytest.raises(Rejected, match="no usable program after repair: static check"):
        generator.generate(GenerationRequest(OPS, seed=1))
    assert len(server.requests) == 2  # the repair repeated it: no third request
    status = generator.llm_status()
    assert status.rejected_replies == 2 and status.repairs.failed == 1
    assert dict(status.rejection_reasons)["the repair repeated the broken program"] == 1


def test_500s_until_fallback_then_recovery(make_llm: Callable, server: ChatServer) -> None:
    stub = StubGenerator()
    generator = make_llm(fallback=stub, probe_every=2)
    server.add(*[Reply(status=500)] * 3)  # retries: 2, so three attempts
    program = generator.generate(GenerationRequest(OPS, seed=1))
    assert program.origin == "builtin" and stub.calls == 1
    status = generator.llm_status()
    assert status.mode is Mode.FALLBACK and "HTTP 500" in status.message
    assert status.endpoint_failures == (("HTTP 500", 3),)
    generator.generate(GenerationRequest(OPS, seed=2))  # still the fallback, nothing sent
    assert len(server.requests) == 3 and stub.calls == 2
    server.add(fenced(VALID))  # the endpoint is back: the probe round uses it
    program = generator.generate(GenerationRequest(OPS, seed=3))
    assert program.origin == "llm" and generator.llm_status().mode is Mode.LLM
    assert "answers again" in generator.llm_status().message
    assert generator.llm_status().from_fallback == 2


def test_probe_of_a_still_down_endpoint_tries_once(make_llm: Callable, server: ChatServer) -> None:
    stub = StubGenerator()
    generator = make_llm(fallback=stub, probe_every=1)
    server.add(*[Reply(status=502)] * 4)
    generator.generate(GenerationRequest(OPS, seed=1))  # 3 attempts, then fallback
    generator.generate(GenerationRequest(OPS, seed=2))  # a single probe, then fallback
    assert len(server.requests) == 4 and stub.calls == 2


def test_down_without_fallback_is_a_rejection(make_llm: Callable, server: ChatServer) -> None:
    generator = make_llm()
    server.add(*[Reply(status=500)] * 3)
    with pytest.raises(Rejected, match="no fallback generator"):
        generator.generate(GenerationRequest(OPS, seed=1))


def test_budget_exhaustion_stops_before_overspending(
    make_llm: Callable, server: ChatServer
) -> None:
    generator = make_llm(budget_usd=0.042)
    server.add(Reply(fenced(VALID), prompt_tokens=20_000, completion_tokens=10_000))
    generator.generate(GenerationRequest(OPS, seed=1))  # costs 0.02 + 0.02
    assert generator.llm_status().cost_usd == pytest.approx(0.04)
    with pytest.raises(BudgetExhausted, match=r"\$0.0400 spent of \$0.0420"):
        generator.generate(GenerationRequest(OPS, seed=2))  # its worst case would pass 0.042
    assert len(server.requests) == 1 and generator.should_stop
    assert generator.llm_status().mode is Mode.STOPPED
    with pytest.raises(BudgetExhausted):
        generator.generate(GenerationRequest(OPS, seed=3))


def test_same_seed_again_is_served_by_the_cache(make_llm: Callable, server: ChatServer) -> None:
    server.add(fenced(VALID))
    first = make_llm().generate(GenerationRequest(OPS, seed=5))
    again = make_llm()
    second = again.generate(GenerationRequest(OPS, seed=5))
    assert second == first and len(server.requests) == 1
    assert again.llm_status().cost_usd == 0 and again.llm_status().cache_hits == 1
    server.add(fenced(VALID))
    make_llm(cache=False).generate(GenerationRequest(OPS, seed=5))
    assert len(server.requests) == 2  # --no-cache asks again


def test_dry_run_prints_prompts_and_sends_nothing(make_llm: Callable, server: ChatServer) -> None:
    printed: list[str] = []
    generator = make_llm(dry_run=True, fallback=StubGenerator(), echo=printed.append)
    generator.preflight()
    program = generator.generate(GenerationRequest(OPS, seed=3))
    generator.observe(Feedback(program, Verdict(Outcome.PASS), new_lines=5))
    generator.generate(GenerationRequest(OPS, seed=4))
    assert server.script.requests == []
    assert "round 1, generate, model test-gen" in printed[0]
    assert "----- user -----" in printed[0] and "torch.matmul" in printed[0]
    assert "round 2, analyse, model test-analysis" in printed[1]
    assert generator.llm_status().mode is Mode.DRY_RUN


def test_prompts_are_deterministic(make_llm: Callable) -> None:
    one, two = make_llm(), make_llm()
    assert one.prompts.generation(OPS, 9, "s", "p") == two.prompts.generation(OPS, 9, "s", "p")
    assert one.prompts.generation(OPS, 9, "", "") != one.prompts.generation(OPS, 10, "", "")


def test_key_is_never_written_to_the_cache(
    make_llm: Callable, server: ChatServer, tmp_path: Path
) -> None:
    server.add(fenced(VALID))
    make_llm().generate(GenerationRequest(OPS, seed=5))
    entries = list((tmp_path / "cache").rglob("*.json"))
    assert len(entries) == 1 and KEY not in entries[0].read_text()


def test_prompt_templates_can_be_overridden(
    make_llm: Callable, server: ChatServer, tmp_path: Path
) -> None:
    folder = tmp_path / "prompts"
    folder.mkdir()
    (folder / "generate.j2").write_text("Ops: {{ ops | join(' ') }}; seed {{ seed }}.\n")
    server.add(fenced(VALID))
    make_llm(prompt_dir=folder).generate(GenerationRequest(OPS, seed=5))
    assert user_prompt(server.requests[0]) == "Ops: torch.matmul torch.relu; seed 5.\n"
    (folder / "generate.j2").write_text("{% if %}\n")
    with pytest.raises(UsageError, match="prompt template"):
        make_llm(prompt_dir=folder)


def test_a_reply_without_model_goes_to_repair_like_any_invalid_program(
    make_llm: Callable, server: ChatServer
) -> None:
    generator = make_llm(max_repairs=2)
    server.add(fenced(NO_MODEL), fenced(NO_MODEL.replace("x * 2", "x * 3")), fenced(VALID))
    program = generator.generate(GenerationRequest(OPS, seed=4))
    assert program.source == VALID and program.name == "llm-4-r2"  # two repairs deep
    status = generator.llm_status()
    assert (status.repairs.programs, status.repairs.requests) == (1, 2)
    assert status.from_llm == 1 and status.rejected_replies == 2
    asked = [r["max_tokens"] for r in server.requests]
    assert all(n < 1000 for n in asked)  # sized to a program, not the preset's limit
    assert all(r["stop"] == ["\n```\n"] for r in server.requests)  # the answer ends there
    generator.observe(Feedback(program, Verdict(Outcome.PASS), 0))
    assert generator.llm_status().repairs.repaired == 1  # settled when its verdict came


def test_a_slow_model_drops_the_round_not_the_endpoint(
    make_llm: Callable, server: ChatServer
) -> None:
    stub = StubGenerator()
    generator = make_llm(fallback=stub, timeout=0.3)
    server.add(Reply("late", delay_s=2.0), Reply("late", delay_s=2.0))
    with pytest.raises(Rejected, match="the model is slow"):
        generator.generate(GenerationRequest(OPS, seed=1))
    assert generator.llm_status().mode is Mode.LLM and stub.calls == 0


def test_summaries_that_steer_are_counted(make_llm: Callable, server: ChatServer) -> None:
    generator = make_llm()
    server.add(fenced(VALID), "Try bool masks.\nTry bool masks.", fenced(VALID))
    first = generator.generate(GenerationRequest(OPS, seed=1))
    generator.observe(Feedback(first, Verdict(Outcome.PASS), 0))
    generator.generate(GenerationRequest(OPS, seed=2))
    assert generator.llm_status().steered == 1
    assert user_prompt(server.requests[2]).count("Try bool masks.") == 1


def test_only_a_valid_program_is_shown_as_the_previous_one(
    make_llm: Callable, server: ChatServer
) -> None:
    generator = make_llm(analyse=False)
    server.add(fenced(VALID), fenced(VALID), fenced(VALID))
    first = generator.generate(GenerationRequest(OPS, seed=1))
    generator.observe(Feedback(first, Verdict(Outcome.INVALID, detail="eager raised"), 0))
    generator.generate(GenerationRequest(OPS, seed=2))
    assert "previous program" not in user_prompt(server.requests[1])
    generator.observe(Feedback(first, Verdict(Outcome.PASS), 0))
    generator.generate(GenerationRequest(OPS, seed=3))
    assert "previous program" in user_prompt(server.requests[2])


def test_a_preset_may_narrow_the_operators(make_llm: Callable) -> None:
    from dataclasses import replace

    from fuel.catalog import load_catalog
    from fuel.llm.operators import OperatorBook

    generator = make_llm()
    book = OperatorBook(load_catalog())
    generator.book = book
    assert generator.operators() == book.names()  # no choice: the whole catalog
    generator.config = replace(generator.config, operators=("abs", "cumsum"))
    assert generator.operators() == ("abs", "cumsum")
    generator.config = replace(generator.config, operators=("abs", "no_such_op"))
    with pytest.raises(UsageError, match="operators not in the catalog: no_such_op"):
        generator.operators()
