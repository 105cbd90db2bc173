"""Catalog operators as prompts name them, and whether a program calls them."""

from __future__ import annotations

import pytest

from fuel.llm.operators import OperatorBook, used_names

PROGRAM = """import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.glu = torch.nn.GLU()

    def forward(self, x):
        y = torch.nn.functional.gelu(x).half()
        return self.glu(torch.addmm(y, y, y).float())


def make_inputs():
    return (torch.randn(4, 4),)
"""


@pytest.fixture(scope="module")
def book() -> OperatorBook:
    return OperatorBook()


def test_calls_are_what_a_program_writes(book: OperatorBook) -> None:
    assert book.call("nn.functional.gelu") == "torch.nn.functional.gelu"
    assert book.call("addmm") == "torch.addmm"
    assert book.call("half") == "Tensor.half"
    assert book.call("nn.GLU") == "torch.nn.GLU"
    assert book.call("no.such.op") == "no.such.op"
    assert "nn.functional.gelu" in book.names()


def test_reached_reads_the_syntax_tree(book: OperatorBook) -> None:
    reached = [op for op in ("nn.functional.gelu", "addmm", "half", "nn.GLU") if
               book.reached(PROGRAM, op)]  # fmt: skip
    assert reached == ["nn.functional.gelu", "addmm", "half", "nn.GLU"]
    assert not book.reached(PROGRAM, "softmax") and not book.reached(PROGRAM, "no.such.op")
    assert used_names("def broken(:") == set()
