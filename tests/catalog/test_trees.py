"""Argument trees: sample calls to JSON and back, and what is refused."""

from __future__ import annotations

import json
import math

import pytest
import torch

from fuel.catalog.spec import Role
from fuel.catalog.trees import Encoder, Unsupported, decode, slots_in


def test_round_trip_keeps_every_kind_of_argument() -> None:
    encoder = Encoder("float32")
    x, idx = torch.randn(2, 3), torch.tensor([[0, 1]])
    value = [
        x,
        (1, 2.5, True, None, "mean"),
        torch.int32,
        math.inf,
        torch.Size([2, 3]),
        torch.channels_last,
        idx,
    ]
    tree = json.loads(json.dumps(encoder.tree(value, "input")))
    back = decode(tree, encoder.tensors)
    assert back[0] is encoder.tensors[0]
    assert back[1:6] == [
        (1, 2.5, True, None, "mean"),
        torch.int32,
        math.inf,
        (2, 3),
        torch.channels_last,
    ]
    assert slots_in(tree) == [0, 1]


def test_integer_tensors_in_a_floating_call_are_literals() -> None:
    encoder = Encoder("float32")
    encoder.tree([torch.randn(3), torch.tensor([2, 0]), torch.tensor([True])], "0")
    data, index, mask = encoder.slots
    assert data.role is Role.DATA and data.follows and data.where == "0"
    assert index.role is Role.LITERAL and index.values == (2, 0) and not index.follows
    assert mask.role is Role.DATA and not mask.follows


def test_integer_tensors_of_an_integer_call_are_data() -> None:
    encoder = Encoder("int64")
    encoder.tree(torch.tensor([3, 4]), "input")
    assert encoder.slots[0].role is Role.DATA and encoder.slots[0].follows


@pytest.mark.parametrize(
    "value",
    [
        torch.randn(2, dtype=torch.complex64),
        torch.randn(2).to_sparse(),
        abs,
        slice(1, 2),
        torch.tensor([1, 2], dtype=torch.uint16),
        torch.arange(100),
    ],
)
def test_unfaithful_arguments_are_refused(value: object) -> None:
    with pytest.raises(Unsupported):
        Encoder("float32").tree(value, "input")
