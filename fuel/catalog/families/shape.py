"""Layout operators: views, reshapes, permutations, concatenation, splitting, padding by
repetition. Compilers must keep aliasing and strides straight through these."""

from __future__ import annotations

from typing import Any, ClassVar

from fuel.catalog.families._claims import info_class
from fuel.catalog.registry import Family, family
from fuel.catalog.spec import Guard

LAYOUT = {
    "reshape",
    "reshape_as",
    "view",
    "view_as",
    "permute",
    "transpose",
    "swapaxes",
    "swapdims",
    "movedim",
    "moveaxis",
    "squeeze",
    "unsqueeze",
    "expand",
    "expand_as",
    "narrow",
    "narrow_copy",
    "select",
    "split",
    "split_with_sizes",
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
    "chunk",
    "unbind",
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "dstack",
    "column_stack",
    "row_stack",
    "flatten",
    "unflatten",
    "roll",
    "flip",
    "fliplr",
    "flipud",
    "rot90",
    "t",
    "tile",
    "repeat",
    "as_strided",
    "as_strided_scatter",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "ravel",
    "contiguous",
    "clone",
    "unfold",
    "unfold_copy",
    "view_copy",
    "alias_copy",
    "broadcast_to",
    "broadcast_tensors",
    "meshgrid",
    "split_with_sizes_copy",
    "squeeze_copy",
    "unsqueeze_copy",
    "transpose_copy",
    "permute_copy",
    "expand_copy",
    "select_scatter",
    "slice_scatter",
    "diagonal_scatter",
    "diagonal_copy",
    "mT",
    "mH",
    "T",
    "H",
    "resolve_conj",
    "resolve_neg",
    "positive",
    "chalf",
}


@family
class Shape(Family):
    name: ClassVar[str] = "shape"
    category: ClassVar[str] = "layout"
    priority: ClassVar[int] = 18
    # as_strided addresses storage, not elements: its input must own exactly its data.
    guards: ClassVar[dict[str, tuple[Guard, ...]]] = {
        "as_strided": (Guard("input", "dense"),),
        "as_strided.partial_views": (Guard("input", "dense"),),
        "as_strided_scatter": (Guard("input", "dense"),),
        "as_strided_copy": (Guard("input", "dense"),),
    }

    def claims(self, info: Any) -> bool:
        return info_class(info) == "ShapeFuncInfo" or info.name in LAYOUT
