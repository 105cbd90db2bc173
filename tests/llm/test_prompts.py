"""The prompts' data: the few-shot examples run, load from a prompt folder, and shape
every request; answers are sized and ended as a program needs; analyses are tidied."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fuel.errors import UsageError
from fuel.llm.prompts import ANSWER_END, MIN_ANSWER_TOKENS, PromptBook, summary_of
from fuel.llm.shots import fenced, load_shots
from fuel.program.loader import load_program
from fuel.program.record import Program

BOOK = PromptBook()
SMALL = PromptBook(Path(__file__).resolve().parents[2] / "config" / "prompts" / "small")
SHOT_PROGRAMS = [
    shot.program for book in (BOOK, SMALL) for shot in (*book.shots.generate, *book.shots.repair)
]


@pytest.mark.parametrize("source", SHOT_PROGRAMS)
def test_every_shot_loads_and_runs_in_eager(source: str) -> None:
    """Our own examples (not model output): run here, in this process."""
    spec = load_program(Program(source, "shot"))
    namespace: dict[str, object] = {}
    exec(compile(source, "shot.py", "exec"), namespace)
    model = namespace[spec.model_class]()  # type: ignore[operator]
    inputs = namespace["make_inputs"]()  # type: ignore[operator]
    outputs = model(*inputs)
    for output in outputs if isinstance(outputs, tuple) else (outputs,):
        assert isinstance(output, torch.Tensor)


def test_broken_repair_shots_are_really_broken() -> None:
    eager = next(s for s in BOOK.shots.repair if s.stage == "eager")
    namespace: dict[str, object] = {}
    exec(compile(eager.source, "broken.py", "exec"), namespace)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        namespace["Model"]()(*namespace["make_inputs"]())  # type: ignore[operator]


def test_a_request_opens_with_the_shots_in_the_answer_format() -> None:
    messages = BOOK.generation(("torch.cumsum",), 5, "", "")
    roles = [role for role, _ in messages]
    assert roles == ["system", *["user", "assistant"] * len(BOOK.shots.generate), "user"]
    for role, content in messages[1:-1]:
        if role == "assistant":
            assert content.startswith("```python\n") and content.endswith("\n```\n")
        else:
            assert content.startswith("Write test program number")  # the same template
    assert "torch.cumsum" in messages[-1][1]


def test_operators_are_named_as_programs_call_them() -> None:
    book = PromptBook(calls={"nn.functional.gelu": "torch.nn.functional.gelu"}.__getitem__)
    assert "torch.nn.functional.gelu" in book.generation(("nn.functional.gelu",), 1, "", "")[-1][1]


def test_repair_requests_open_with_repair_shots() -> None:
    messages = BOOK.repair("import torch\n", "no torch.nn.Module subclass found", "load")
    assert len(messages) == 2 + 2 * len(BOOK.shots.repair)
    assert "refused before it could run" in messages[-1][1]


def test_answers_are_sized_to_a_program_and_end_at_its_fence() -> None:
    assert MIN_ANSWER_TOKENS <= BOOK.answer_tokens() < 1000
    assert BOOK.answer_tokens("x" * 6000) > BOOK.answer_tokens()  # room for the program
    assert fenced("x = 1").endswith(ANSWER_END[0].lstrip("\n")) and "python" not in ANSWER_END[0]


def test_the_small_models_prompts_are_short() -> None:
    """SmolLM2 on two cores reads ~120 prompt tokens/s: the local preset's folder keeps
    its requests to a third of the packaged prompts."""
    small = sum(len(text) for _, text in SMALL.generation(("torch.sin",), 1, "", ""))
    full = sum(len(text) for _, text in BOOK.generation(("torch.sin",), 1, "", ""))
    assert small * 2 < full and len(SMALL.shots.generate) == 2


def test_a_prompt_folder_may_bring_its_own_shots(tmp_path: Path) -> None:
    (tmp_path / "shots.yaml").write_text("generate: []\nrepair: []\n", encoding="utf-8")
    assert [r for r, _ in PromptBook(tmp_path).generation((), 1, "", "")] == ["system", "user"]
    (tmp_path / "shots.yaml").write_text("generate:\n  - seed: 1\n    opps: []\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"shots.yaml: generate.0.ops: missing; .*opps: unknown"):
        load_shots([tmp_path])


def test_an_analysis_that_repeats_itself_steers_once() -> None:
    """SmolLM2's real analysis (tests/llm/replies/): one sentence until max_tokens."""
    text = (Path(__file__).parent / "replies" / "analysis_repeats_itself.txt").read_text()
    summary = summary_of(text, 1200)
    assert summary.count("The compiler is not happy") == 1 < text.count("The compiler is not happy")
    assert summary_of("\n".join(f"line {i}" for i in range(20)), 1200).count("\n") == 7


def test_an_analysis_says_when_coverage_was_not_measured() -> None:
    from fuel.feedback.record import Feedback
    from fuel.judge.verdict import Outcome, Verdict

    program = Program("import torch\n", "p", 1, ("add",))
    files = (("torch/_inductor/lowering.py", 7),)
    measured = Feedback(program, Verdict(Outcome.PASS), 7, files)
    unmeasured = Feedback(program, Verdict(Outcome.PASS), 0, (), measured=False)
    shown = BOOK.analysis(measured)[-1][1]
    assert "covered for the first time: 7" in shown and "lowering.py: 7" in shown
    blank = BOOK.analysis(unmeasured)[-1][1]
    assert "coverage was not measured" in blank and "covered for the first time" not in blank
