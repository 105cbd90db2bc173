"""Where compiler bugs live: the weight of a newly covered line, by the file it is in.

FASA rewards the compiler lines a test covers first (:mod:`fuel.feedback.reward`). Not
every line is as likely to hold a bug: the root causes found so far sit in a few
parts of torch's compiler. :data:`BUG_SITES` lists those parts and, for each, the root
causes that were traced to it; a part's weight is derived from that list, one more
for each root cause (:func:`weight_of`), and a line elsewhere weighs 1.

How the evidence was gathered (2026-12, torch 2.13 and 2.15):

* fuel's own finds: the shipped known issues (``fuel/known/torch-2.13.yaml``, each
  with its fixture in ``tests/fixtures/known/``), the bench bugs (``bench/bugs/``,
  ``bench/real_programs/`` b01-b06), and the 2.15 bugs of issue 24; each placed in
  the file the upstream issue or its fix names (found in the public issue corpus),
  or, where there is none, the function the 2.13 / 2.15 source shows at fault;
* for functionalization and the FX passes, where fuel has not found a root cause
  yet, the upstream reports of 2025-2026 that name them (CPU-reproducible, other
  fuzzers' finds), so that the search is drawn where others still find bugs.

One root cause counts once, however many fixtures or bench programs show it. The
argmax-of-bool bug (pytorch#185481) is left out: its fix (PR #186049) is in
``torch/_meta_registrations.py``, outside the packages coverage measures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BugSite:
    """A part of torch's compiler and the root causes traced to it."""

    name: str
    prefixes: tuple[str, ...]  # torch-relative paths (``torch/_inductor/...``) it covers
    root_causes: tuple[str, ...]  # each: the bug, and where it was placed from

    @property
    def weight(self) -> float:
        return 1.0 + len(self.root_causes)


BUG_SITES: tuple[BugSite, ...] = (
    BugSite(
        "Inductor's C++ code generation",
        ("torch/_inductor/codegen/cpp",),  # cpp.py, cpp_utils.py, cpp_wrapper_*.py, ...
        (
            "8-bit min/max/argmin/argmax over >= 16 elements reduce lanes the load left "
            "at 0 (pytorch#191499; PR #191543: CppVecKernel; fixtures amin_uint8, "
            "max_int8, argmin_uint8; bench/real_programs b02, b03, b06)",
            "uint8 abs through std::abs promotes to int (pytorch#187018; PR #187024: "
            "CppOverrides.abs)",
            "int8/int16 abs followed by max/min/clamp does not compile: std::abs widens "
            "to int (issue 24, torch 2.15; the same CppOverrides.abs)",
            "vectorised float remainder computes a - floor_divide(a, b) * b: nan for an "
            "infinite divisor (pytorch#198057, CppVecOverrides; bench/bugs/remainder_inf.py)",
        ),
    ),
    BugSite(
        "Inductor's lowerings",
        ("torch/_inductor/lowering.py",),
        (
            "torch.any of uint8 returns bool: Inductor's own reduce_any lowering "
            "(pytorch#198081; fixture any_uint8)",
            "torch.ldexp's output dtype: the lowering's fallback path (pytorch#197091; "
            "PR #197162; fixture ldexp_half_float)",
            "var_mean/std_mean of an empty tensor: var_mean_welford_ leaves the mean at "
            "0 (pytorch#197108; fixtures var_mean_empty, std_mean_empty)",
            "float floor division as floor(a / b) in div_mode: floor_divide(-7, inf) and "
            "1.0 // 0.1 differ from eager (bench/bugs/floor_divide_inf.py, "
            "bench/real_programs b01, b05; 2.15 rewrote it as _floor_div_floating)",
            "cummin over an empty window asserts in Inductor's lowering (bench/real_programs b04)",
        ),
    ),
    BugSite(
        "decompositions",
        ("torch/_decomp/", "torch/_refs/"),
        (
            "multilabel_margin_loss_forward's decomposition counts targets after the -1 "
            "sentinel (pytorch#141017; PR #186074: torch/_decomp/decompositions.py; "
            "fixtures multilabel_margin_sentinel, multilabel_margin_unbatched)",
            "softmax's decomposition gives wrong gradients in multi-head attention "
            "(pytorch#152309, module: decompositions)",
        ),
    ),
    BugSite(
        "functionalization",
        ("torch/_subclasses/functional_tensor.py", "torch/_functorch/"),
        (
            "an in-place op through a gapped unfold view zeroes the uncovered base "
            "(pytorch#198102, aot_eager, 2026-09)",
            "an in-place op on an overlapping unfold view fails only when compiled "
            "(pytorch#165409)",
            "a functionalized in-place view op leaks a view relation out of the compiled "
            "function (pytorch#90507; PR #186561: AOTAutograd's output metadata)",
        ),
    ),
    BugSite(
        "Inductor's FX passes",
        ("torch/_inductor/fx_passes/", "torch/_inductor/pattern_matcher.py"),
        (
            "a joint-graph pattern fails: not all inputs found in match.kwargs "
            "(pytorch#188223; sigmoid_, randperm, take)",
            "x[torch.randperm(n)]: the pattern matcher misses slice_shape (pytorch#183988)",
            "the attention-fusion pattern matched any permute and rewrote a wrong SDPA "
            "(pytorch#195320; PR #195383: fx_passes/fuse_attention.py)",
        ),
    ),
    BugSite(
        "Inductor's index simplification",
        ("torch/_inductor/loop_body.py", "torch/_inductor/sizevars.py"),
        (
            "vr must not be None for symbol q#: loop_body._simplify re-enters "
            "_maybe_evaluate_static without the loop ranges (pytorch#187337; fixture "
            "vr_symbol)",
        ),
    ),
)


def weight_of(path: str, sites: Iterable[BugSite] = BUG_SITES) -> float:
    """The weight of a new line in ``path`` (torch-relative): its site's, else 1."""
    return next((site.weight for site in sites if path.startswith(site.prefixes)), 1.0)


def weighted_lines(new_lines: int, by_file: Iterable[tuple[str, int]]) -> float:
    """``new_lines``, each counted with the weight of its file: ``by_file`` (path,
    count) says where they are; lines it does not place weigh 1."""
    return new_lines + sum(count * (weight_of(path) - 1.0) for path, count in by_file)
