"""The repro of a bug on torch.export or AOTInductor exports (and packages) as a user would."""

from __future__ import annotations

import ast

import pytest

from fuel.execute.records import CompileOptions
from fuel.judge.verdict import Kind
from fuel.program import load_source
from fuel.report.markdown import title
from fuel.report.repro import render_repro
from tests.conftest import PROGRAMS
from tests.report.test_repro import STRUCTURES, exit_code, mismatch, structured


def exporting(body: str, changed: str, same_value: str) -> str:
    """A program whose exported graph computes ``changed`` where eager computes ``same``."""
    program = structured(body, changed, same_value)
    return program.replace("torch.compiler.is_compiling()", "torch.compiler.is_exporting()")


@pytest.mark.parametrize("dynamic", [None, True], ids=["static", "dynamic"])
def test_an_export_repro_exits_1_with_the_bug_and_0_without(dynamic: bool | None) -> None:
    body, leaf = STRUCTURES["tuple"]
    verdict = mismatch(Kind.NUMERIC_MISMATCH, f"output[{leaf}]")
    options = CompileOptions(target="export", dynamic=dynamic)
    buggy = render_repro(load_source(exporting(body, "x + 1", "x")), options, verdict, "t")
    assert "torch.export.export(model, args" in buggy and "torch.compile(" not in buggy
    assert ("Dim.AUTO" in buggy) is bool(dynamic)
    assert exit_code(buggy) == 1, buggy
    fixed = render_repro(load_source(exporting(body, "x", "x")), options, verdict, "t")
    assert exit_code(fixed) == 0, fixed


def test_an_aoti_repro_packages_with_the_tests_inductor_configs() -> None:
    options = CompileOptions(target="aoti", config=(("inductor.cpp.simdlen", 1),))
    text = render_repro(load_source(structured("return x", "x", "x")), options,
                        mismatch(Kind.NAN_INF_MISMATCH), "t")  # fmt: skip
    ast.parse(text)
    assert "torch._inductor.aoti_compile_and_package(program, package_path=path)" in text
    assert "torch._inductor.config.cpp.simdlen = 1" in text
    assert "aoti_model(model, (*inputs,))" in text or "aoti_model(model, (x,))" in text


def test_the_title_says_which_target_and_which_layer_of_it() -> None:
    verdict = mismatch(Kind.NUMERIC_MISMATCH)
    source = structured("return x", "x", "x")
    assert title(source, verdict, CompileOptions(target="export")).startswith("[export] ")
    assert title(source, verdict, CompileOptions(target="aoti")).startswith("[aoti] ")
    assert title(source, verdict, CompileOptions()).startswith("[inductor] ")


# pytorch#198057, shown by compile and aoti alike
REMAINDER_BY_INF = (PROGRAMS / "remainder_by_inf.py").read_text()


@pytest.mark.slow
def test_an_aoti_repro_confirms_in_a_fresh_interpreter() -> None:
    """The vectorised remainder bug (pytorch#198057) through AOTInductor: the repro
    exports, packages, loads and shows it in a fresh sandboxed interpreter."""
    from fuel.triage.confirm import confirm

    verdict = mismatch(Kind.NAN_INF_MISMATCH)
    options = CompileOptions(target="aoti")
    text = render_repro(load_source(REMAINDER_BY_INF), options, verdict, "aoti remainder")
    confirmed = confirm(text, verdict)
    print(f"aoti repro: exit {confirmed.exit_code} in {confirmed.seconds:.1f} s")
    assert confirmed.reproduced and confirmed.exit_code == 1, confirmed
