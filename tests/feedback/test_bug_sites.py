"""The table of where compiler bugs lived, and the weights derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fuel.execute.coverage import COMPILER_PACKAGES
from fuel.feedback.bug_sites import BUG_SITES, BugSite, weight_of, weighted_lines

TORCH_PARENT = Path(torch.__file__).parents[1]


@pytest.mark.parametrize("site", BUG_SITES, ids=lambda site: site.name)
def test_each_site_has_its_evidence_and_names_measured_files_of_this_torch(site: BugSite) -> None:
    assert site.root_causes and site.weight == 1 + len(site.root_causes)
    for prefix in site.prefixes:
        package = prefix.split("/")[1]
        assert package in COMPILER_PACKAGES, f"{prefix}: coverage never measures it"
        assert list(TORCH_PARENT.glob(prefix + "*")), f"{prefix}: no such file in torch"


def test_a_line_weighs_its_sites_weight_and_one_elsewhere() -> None:
    cpp = next(site for site in BUG_SITES if "torch/_inductor/codegen/cpp" in site.prefixes)
    assert weight_of("torch/_inductor/codegen/cpp_utils.py") == cpp.weight > 1
    assert weight_of("torch/_inductor/codegen/triton.py") == 1.0
    assert weight_of("torch/_functorch/_aot_autograd/runtime_wrappers.py") > 1
    assert weight_of("torch/_dynamo/symbolic_convert.py") == 1.0


def test_weighted_lines_count_unplaced_lines_once() -> None:
    decomp = weight_of("torch/_decomp/decompositions.py")
    by_file = (("torch/_decomp/decompositions.py", 10), ("torch/fx/graph.py", 5))
    assert weighted_lines(15, by_file) == pytest.approx(10 * decomp + 5)
    assert weighted_lines(40, ()) == 40  # where nothing says which files: plain lines
