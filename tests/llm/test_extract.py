"""Code out of replies: fenced or not, prose around, several blocks, truncated."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuel.errors import Rejected
from fuel.llm.extract import NoProgram, candidates, extract, same_program, whole_statements
from fuel.program.record import Program
from tests.llm.conftest import VALID, fenced

TEMPLATE = Program(source="", name="t", origin="llm")
MODEL_PART, INPUTS_PART = VALID.split("\n\ndef make_inputs")
INPUTS_PART = "import torch\n\ndef make_inputs" + INPUTS_PART


def test_plain_fenced_block() -> None:
    spec = extract(fenced(VALID), TEMPLATE)
    assert spec.program.source == VALID and spec.model_class == "Model"
    assert spec.program.origin == "llm"


def test_prose_before_and_after() -> None:
    reply = fenced(VALID, "Sure! Here is a program:\n\n", "\nIt exercises matmul and relu.")
    assert extract(reply, TEMPLATE).program.source == VALID


def test_program_split_over_two_blocks() -> None:
    reply = f"The model:\n{fenced(MODEL_PART + chr(10))}and its inputs:\n{fenced(INPUTS_PART)}"
    spec = extract(reply, TEMPLATE)
    assert "class Model" in spec.program.source and "def make_inputs" in spec.program.source


def test_usage_block_after_the_program_is_ignored() -> None:
    usage = "m = Model()\nprint(m(*make_inputs()))\n"
    reply = fenced(VALID) + "Run it with:\n" + fenced(usage)
    assert extract(reply, TEMPLATE).program.source == VALID


def test_unterminated_fence_from_a_truncated_reply() -> None:
    assert extract(f"```python\n{VALID}", TEMPLATE).program.source == VALID


def test_unfenced_code_with_prose_around() -> None:
    reply = f"Here you go.\n{VALID}\nThis should stress the compiler.\n"
    assert extract(reply, TEMPLATE).program.source == VALID


def test_other_fence_languages_and_tildes() -> None:
    assert extract(f"~~~py\n{VALID}~~~\n", TEMPLATE).program.source == VALID
    reply = "```bash\npip install torch\n```\n" + fenced(VALID)
    assert candidates(reply)[0] == VALID


def test_no_code_at_all() -> None:
    with pytest.raises(Rejected, match="no code"):
        extract("I cannot help with that.", TEMPLATE)


def test_no_model_class() -> None:
    source = "import torch\n\n\ndef f(x):\n    return x + 1\n"
    with pytest.raises(Rejected, match=r"no torch.nn.Module subclass"):
        extract(fenced(source), TEMPLATE)


def test_forbidden_import_is_rejected_not_run() -> None:
    source = VALID.replace("import torch\n", "import torch\nimport ctypes\n", 1)
    with pytest.raises(Rejected, match="static check"):
        extract(fenced(source), TEMPLATE)


def test_real_syntax_error_is_reported_as_such() -> None:
    broken = VALID.replace("return torch.relu(x @ y)", "return torch.relu(x @ y")
    with pytest.raises(Rejected, match="syntax error"):
        extract(broken, TEMPLATE)


# Replies SmolLM2-135M-Instruct really wrote (tests/llm/replies/), and what becomes of them.
REPLIES = Path(__file__).parent / "replies"


def real(name: str) -> str:
    return (REPLIES / f"{name}.txt").read_text(encoding="utf-8")


def test_real_reply_cut_at_max_tokens_keeps_its_whole_statements() -> None:
    """It looped on a helper until max_tokens: the program before the loop loads."""
    source = extract(real("cut_at_max_tokens"), TEMPLATE).program.source
    assert "class Model(torch.nn.Module)" in source and "def make_inputs" in source
    assert source.rstrip().endswith("return idx, mask2, mask3")  # cut at a whole function


def test_real_reply_with_a_broken_trailing_helper() -> None:
    source = extract(real("broken_trailing_helper"), TEMPLATE).program.source
    assert "make_inputs_1" not in source and "def make_inputs():" in source


def test_real_reply_without_a_model_goes_to_repair_with_its_code() -> None:
    with pytest.raises(NoProgram, match=r"no torch\.nn\.Module subclass") as caught:
        extract(real("no_model_class"), TEMPLATE)
    assert caught.value.shown.startswith("import torch") and "```" not in caught.value.shown


def test_real_reply_with_no_code_has_nothing_to_repair() -> None:
    with pytest.raises(NoProgram, match="holds no code") as caught:
        extract(real("no_code"), TEMPLATE)
    assert caught.value.shown == ""


def test_real_reply_that_loads() -> None:
    assert extract(real("loads"), TEMPLATE).model_class == "Model"


def test_whole_statements_needs_a_syntax_error() -> None:
    assert whole_statements(VALID) == ""
    assert whole_statements("def f(:\n    pass\n") == ""  # nothing whole before the error
    assert whole_statements(VALID + "\ndef g(x\n") == VALID


def test_same_program_ignores_layout_and_comments() -> None:
    assert same_program(VALID, "# again\n" + VALID.replace("\n\n\n", "\n"))
    assert not same_program(VALID, VALID.replace("4, 5", "4, 6"))
    assert same_program("def f(:", "def  f(:")  # unparsable: compared without whitespace
