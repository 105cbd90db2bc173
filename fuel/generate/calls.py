"""Small facts about calls and bindings that the synthesizer and mutations share."""

from __future__ import annotations

from typing import Any

from fuel.catalog.spec import OpSpec, Role, Slot, Template
from fuel.generate.recipe import Binding, Node


def shape_steps(binding: Binding) -> int:
    """How many of a binding's steps adapt the shape (they come first)."""
    count = 0
    for step in binding.steps:
        if step.kind in ("to", "clamp", "guard"):
            break
        count += 1
    return count


def target_of(spec: OpSpec, form: str) -> str:
    """What a call in ``form`` names: a dotted function or class, or a method."""
    if form == "method":
        return spec.call.method
    return spec.call.inplace if form == "inplace" else spec.call.target  # function, out


def target_dtype(slot: Slot, dtype: str) -> str:
    return dtype if slot.follows and slot.role is not Role.LITERAL else slot.dtype


def scalar_names(call: Template) -> list[str]:
    """The Python-scalar inputs a call reads (lifted arguments)."""
    found: list[str] = []

    def walk(tree: Any) -> None:
        if isinstance(tree, dict):
            ((tag, inner),) = tree.items()
            if tag == "scalar":
                found.append(inner)
            elif tag in ("list", "tuple"):
                for item in inner:
                    walk(item)

    for tree in (call.input, *call.args, *(v for _, v in call.kwargs)):
        walk(tree)
    return found


def receiver(template: Template) -> int:
    """The slot a method is called on (-1 if the first argument is not one tensor)."""
    tree = template.input
    return tree["tensor"] if isinstance(tree, dict) and "tensor" in tree else -1


def aliased_receiver(node: Node) -> bool:
    """An in-place call whose receiver is also read by another argument: eager refuses
    partial overlaps that meta tensors do not see."""
    first = receiver(node.call)
    if node.form != "inplace" or first < 0:
        return False
    source = node.bindings[first].source
    return any(b.source == source for i, b in enumerate(node.bindings) if i != first)


def has_literals(template: Template) -> bool:
    return any(s.role is Role.LITERAL for s in template.slots)
