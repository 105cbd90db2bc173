"""The probe sees random operators, duplicate-index writes and ties in eager runs."""

from __future__ import annotations

from collections.abc import Callable

import torch

from fuel.execute.probe import ProbeMode, uninitialised_calls
from fuel.execute.records import Probe


def probed(fn: Callable[[], object]) -> Probe:
    mode = ProbeMode()
    with mode:
        fn()
    return mode.report()


def test_records_aten_operators() -> None:
    x = torch.randn(3)
    assert "aten.sin.default" in probed(lambda: x.sin()).aten_ops


def test_random_operator() -> None:
    assert "rand" in probed(lambda: torch.rand(3)).random_ops
    assert probed(lambda: torch.ones(3) * 2).random_ops == ()


def test_scatter_with_duplicate_indices() -> None:
    src = torch.arange(4.0)
    duplicated = torch.tensor([0, 0, 1, 2])
    unique = torch.tensor([3, 0, 1, 2])
    hit = probed(lambda: torch.zeros(4).scatter(0, duplicated, src))
    assert hit.duplicate_index_writes == ("scatter",)
    assert probed(lambda: torch.zeros(4).scatter(0, unique, src)).duplicate_index_writes == ()


def test_index_put_without_accumulate_and_duplicates() -> None:
    def write() -> None:
        x = torch.zeros(4)
        x[torch.tensor([1, 1])] = torch.tensor([5.0, 6.0])

    assert probed(write).duplicate_index_writes


def test_accumulating_index_put_is_fine() -> None:
    def write() -> None:
        torch.zeros(4).index_put_((torch.tensor([1, 1]),), torch.ones(2), accumulate=True)

    assert probed(write).duplicate_index_writes == ()


def test_ties_in_argmax_and_sort() -> None:
    tied = torch.tensor([[1.0, 3.0, 3.0], [0.0, 1.0, 2.0]])
    assert "argmax" in probed(lambda: tied.argmax(dim=1)).ties
    assert "sort" in probed(lambda: tied.sort(dim=1)).ties
    assert probed(lambda: torch.tensor([1.0, 2.0]).argmax()).ties == ()


def test_value_only_max_has_no_order_to_tie() -> None:
    assert probed(lambda: torch.ones(4).max()).ties == ()


def test_attention_without_dropout_is_not_random() -> None:
    q = torch.randn(1, 2, 4, 8)
    attention = torch.nn.functional.scaled_dot_product_attention
    assert probed(lambda: attention(q, q, q)).random_ops == ()
    assert probed(lambda: torch.nn.functional.dropout(q, p=0.5)).random_ops


def test_uninitialised_calls_come_from_the_source() -> None:
    source = "import torch\nx = torch.empty(3)\ny = x.new_empty(2)\nz = torch.ones(2)\n"
    assert uninitialised_calls(source) == ("empty", "new_empty")
