"""Motifs: named program shapes where compiler bugs live, placed by the synthesizer.

The walk (``fuel.generate.synth``) draws operators one at a time, so some shapes that
upstream bugs keep showing are rare or impossible in its programs: a chain of in-place
calls through a view, a result written with ``out=``, a buffer the forward mutates, an
index the program computes, a shape that depends on the data, integers of every width
through ``abs`` and ``min``/``max``. A motif builds one such shape around operators the
catalog says fit (its torch tags, views, in-place methods, literal index slots), so each
motif is realised for many operators, and it is checked call by call like the walk's
own calls. Its random choices come from the synthesizer's random source and end up in
the recipe; rendering stays pure.

=========================  ==========================================================
motif                      what it places (census shape it makes)
=========================  ==========================================================
``inplace_on_view``        1-3 in-place calls through a view or slice; the base returned
``view_beside_base``       a view call, returned beside the value it views
``mutated_input``          in-place calls writing into an argument of forward
``mutated_buffer``         in-place calls writing into a buffer of the model
``out_variant``            a call given ``out=`` (a value, a slice of one, or zeros)
``strided_inputs``         a call whose inputs are all non-contiguous (channels-last,
                           transposed, strided, expanded, offset)
``type_promotion``         a pointwise call on two dtypes, no cast, then one more call
``scalar_operand``         a pointwise call with a 0-d tensor or Python-number operand
``tail_reduction``         a reduction over 17-31, 33-47 or 65-79 elements
``computed_index``         an index argument permuted by a computed stable order
``data_dependent_shape``   nonzero/masked_select/unique/..., maybe under the capture
                           settings, and a call that reads its result
``shared_intermediate``    two calls reading one intermediate, both returned
``int_minmax_chain``       an integer (int16 included) abs/neg then min/max/clamp chain
=========================  ==========================================================
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from fuel.generate.motifs.aliasing import (
    inplace_on_view,
    mutated_buffer,
    mutated_input,
    out_variant,
    view_beside_base,
)
from fuel.generate.motifs.dataflow import computed_index, data_dependent_shape, shared_intermediate
from fuel.generate.motifs.menu import Menu
from fuel.generate.motifs.values import (
    int_minmax_chain,
    scalar_operand,
    strided_inputs,
    tail_reduction,
    type_promotion,
)
from fuel.generate.synth import Synth

MOTIF_SHARE = 0.5  # programs that get one motif (the others are the walk alone)


@dataclass(frozen=True, slots=True)
class Motif:
    name: str
    place: Callable[[Synth, Menu], bool]
    weight: float
    makes: tuple[str, ...]  # census shapes: a placed motif has at least one of them


LAYOUT_SHAPES = ("noncontiguous_input", "channels_last_input", "expanded_input", "offset_input")
MOTIFS: tuple[Motif, ...] = (
    Motif("inplace_on_view", inplace_on_view, 1.5, ("inplace_on_view",)),
    Motif("view_beside_base", view_beside_base, 1.0, ("view_beside_base",)),
    Motif("mutated_input", mutated_input, 1.0, ("mutated_input",)),
    Motif("mutated_buffer", mutated_buffer, 1.0, ("mutated_buffer",)),
    Motif("out_variant", out_variant, 1.0, ("out_variant",)),
    Motif("strided_inputs", strided_inputs, 1.0, LAYOUT_SHAPES),
    Motif("type_promotion", type_promotion, 0.7, ("type_promotion",)),
    Motif("scalar_operand", scalar_operand, 1.0, ("zero_dim_operand", "python_scalar_operand")),
    Motif("tail_reduction", tail_reduction, 1.5, ("tail_reduction",)),
    Motif("computed_index", computed_index, 1.0, ("computed_index",)),
    Motif("data_dependent_shape", data_dependent_shape, 1.0, ("data_dependent_shape",)),
    Motif("shared_intermediate", shared_intermediate, 0.5, ("shared_intermediate",)),
    Motif("int_minmax_chain", int_minmax_chain, 1.5, ("int_abs_minmax",)),
)
BY_NAME = {m.name: m for m in MOTIFS}


def plan(seed: int) -> tuple[Motif | None, float]:
    """Whether a program gets a motif, which, and where among the walk's calls (a
    share of them): drawn from the seed apart from the walk, so that a program without
    a motif is the walk's program."""
    rng = random.Random(f"motif:{seed}")
    if rng.random() >= MOTIF_SHARE:
        return None, 0.0
    return rng.choices(MOTIFS, [m.weight for m in MOTIFS])[0], rng.random()
