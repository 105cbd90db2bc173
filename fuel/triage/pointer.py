"""The report's "Where": from torch's bisector to the function in the installed torch.

:func:`locate` turns a :class:`~fuel.store.bugdir.CompilerBisection` (and, for C++ code
generation, the vectorisation ablation) into a :class:`~fuel.store.bugdir.CodePointer`,
each rule earned by a run:

============================== =========================================================
the bisector, or a run, says   the code
============================== =========================================================
``decomposition``, its Nth     the decomposition of the operator it logged (Inductor's
application                    decomposition table)
``lowerings``, its Nth         the lowering of the FX node's operator (Inductor's
                               lowering table)
a pre-/post-grad or joint pass the pass it logged: its function, else where it is applied
a config change fixes it       the config's definition (or the backend that applies it)
a backend, no subsystem, and   that decomposition (it applies at that backend: under
a decomposition alone in eager ``aot_eager`` only those registered for autograd keys)
differs from its operator
``aot_eager``, no subsystem,   AOTAutograd's functionalization (the in-place rewrite),
the program functionalized     whose Python entry is ``FunctionalTensorMode``
alone in eager differs
``inductor``, no subsystem,    Inductor's vectorised C++ kernel (``CppVecKernel``)
and the bug is gone with
``inductor.cpp.simdlen=1``
``lowerings`` and the bug is   the vectorised C++ of that operator: its override in
gone with                      ``CppVecOverrides``, ``CppVecKernel.reduction`` for an
``inductor.cpp.simdlen=1``     operator torch tags ``reduction``, else ``CppVecKernel``
============================== =========================================================

Anything else is left undecided: no pointer, never a guess.
"""

from __future__ import annotations

import re
from typing import Any

from fuel.store.bugdir import AloneCheck, CodePointer, CompilerBisection, Trial
from fuel.triage.tables import Source, function_of, overload, source_line, source_of

PASS_SUBSYSTEMS = ("pre_grad_passes", "joint_graph_passes", "post_grad_passes")
# Where Inductor's graph passes live, searched for a pass the bisector names.
PASS_FILES = tuple(f"torch/_inductor/{name}.py" for name in (
    "fx_passes/post_grad", "fx_passes/joint_graph", "fx_passes/pre_grad",
    "fx_passes/replace_random", "compile_fx"))  # fmt: skip
VECTORISATION_OFF = "inductor.cpp.simdlen=1"
# Decompositions that apply under aot_eager: those torch registers as Python kernels of
# these dispatch keys (``py_impl``); the rest only under aot_eager_decomp_partition/inductor.
AUTOGRAD_KEYS = ("Autograd", "CompositeImplicitAutograd")


def locate(bisection: CompilerBisection | None, vectorisation: Trial | None = None
           ) -> CodePointer | None:  # fmt: skip
    """The code the runs point at, or None where they do not decide."""
    answer = bisection.answer if bisection else None
    if bisection is None or answer is None:
        return None
    vector_hides = vectorisation is not None and vectorisation.shows is False
    if answer.subsystem == "lowerings" and bisection.operator and vector_hides:
        return vectorised_lowering(bisection.operator, answer.debug_info or "")
    if answer.subsystem:
        return from_subsystem(answer.subsystem, answer.debug_info or "", bisection.operator)
    if answer.backend == "eager":  # Dynamo: nothing decomposed or lowered yet
        return None
    for check in bisection.alone:
        if check.piece == "decomposition" and applies_at(check.operator, answer.backend):
            return decomposition(check.operator, alone_evidence(check, answer.backend))
    functionalized = [c for c in bisection.alone if c.piece == "functionalization"]
    if answer.backend == "aot_eager" and functionalized:
        return functionalization(alone_evidence(functionalized[0], answer.backend))
    if answer.backend == "inductor" and vector_hides:
        return cpp_vectorisation()
    return None


def from_subsystem(subsystem: str, info: str, operator: str) -> CodePointer | None:
    said = f"torch's CompilerBisector: disabling {subsystem} hides the bug"
    if subsystem == "decomposition" and operator:
        return decomposition(operator, f"{said}; the application it names decomposes {operator}")
    if subsystem == "lowerings" and operator:
        return _pointer("lowering", source_of(function_of("lowering", operator)),
                        f"{said}; the application it names lowers FX node {info} "
                        f"({operator})", operator)  # fmt: skip
    if subsystem in PASS_SUBSYSTEMS and info:
        return graph_pass(info, f"{said}; the application it names is the pass {info}")
    change = config_change(subsystem)
    if change is not None:
        return config(*change, f"torch's CompilerBisector: setting {change[0]}.{change[1]} = "
                      f"{change[2]!r} hides the bug")  # fmt: skip
    return None


def decomposition(operator: str, evidence: str) -> CodePointer | None:
    return _pointer("decomposition", source_of(function_of("decomposition", operator)), evidence,
                    operator)  # fmt: skip


def graph_pass(name: str, evidence: str) -> CodePointer | None:
    defined = re.compile(rf"^\s*def {re.escape(name)}\(")
    for relative in PASS_FILES:
        found = source_line(relative, defined.match)
        if found is not None:
            return _pointer("pass", found, evidence, function=name)
    # Applied under a literal name, or a numbered one: f"pass_pattern_{i}".
    stem = re.escape(re.sub(r"\d+$", "{", name))
    applied = re.compile(rf"""GraphTransformObserver\([^)]*["']({re.escape(name)}["']|{stem})""")
    for relative in PASS_FILES:
        found = source_line(relative, applied.search)
        if found is not None:
            return _pointer("pass", found, evidence, function=name)
    return None


def config_change(subsystem: str) -> tuple[str, str, Any] | None:
    """(config, field, value) of the bisector's config-change subsystem of that name."""
    from torch._inductor.compiler_bisector import BACKENDS, ConfigChange

    for change in (s for subsystems in BACKENDS.values() for s in subsystems):
        if isinstance(change, ConfigChange) and change.name == subsystem:
            return change.config_name, change.config_field, change.config_value
    return None


def config(owner: str, field: str, value: Any, evidence: str) -> CodePointer | None:
    if owner == "inductor":
        defined = re.compile(rf"^\s*{re.escape(field)}\s*[:=]")
        found = source_line("torch/_inductor/config.py", defined.match)
        return _pointer("config", found, evidence, function=f"inductor.{field}")
    import torch._dynamo.backends.debugging as debugging  # a backend's own option

    backend = getattr(debugging, owner, None)
    return _pointer("config", source_of(backend) if backend else None, evidence,
                    function=f"{owner}({field}={value!r})")  # fmt: skip


def functionalization(evidence: str) -> CodePointer | None:
    from torch._subclasses.functional_tensor import FunctionalTensorMode

    found = source_of(FunctionalTensorMode.__torch_dispatch__)
    return _pointer("functionalization", found, evidence + "; the in-place to out-of-place "
                    "rewrite itself is C++ generated from native_functions.yaml",
                    function="FunctionalTensorMode.__torch_dispatch__")  # fmt: skip


def cpp_vectorisation(thing: Any = None, evidence: str = "", operator: str = ""
                      ) -> CodePointer | None:  # fmt: skip
    from torch._inductor.codegen.cpp import CppVecKernel

    thing = thing or CppVecKernel
    found = source_of(thing)
    said = (f"the bug shows with Inductor's C++ vectorisation and not with {VECTORISATION_OFF} "
            "(the ablation's run)")  # fmt: skip
    return _pointer("cpp_codegen", found, f"{evidence}; {said}" if evidence else said, operator,
                    function=found.name if found else "")  # fmt: skip


def vectorised_lowering(operator: str, node: str) -> CodePointer | None:
    """The vectorised C++ that an operator's lowering emits: its ``CppVecOverrides``
    method for a pointwise op, ``CppVecKernel.reduction`` for a reduction."""
    import torch
    from torch._inductor.codegen.cpp import CppVecKernel, CppVecOverrides

    packet = operator.split(".")[1]
    made_by = getattr(function_of("lowering", operator), "__qualname__", "")
    reduces = torch.Tag.reduction in getattr(overload(operator), "tags", ())  # torch's own tag
    thing = getattr(CppVecOverrides, packet, None) or (
        CppVecKernel.reduction if reduces else None)  # fmt: skip
    evidence = (f"torch's CompilerBisector: disabling lowerings hides the bug; the application "
                f"it names lowers FX node {node} ({operator}, lowered by {made_by})")  # fmt: skip
    return cpp_vectorisation(thing, evidence, operator)


def applies_at(operator: str, backend: str) -> bool:
    """Is ``operator``'s decomposition applied when compiling with ``backend``?"""
    if backend != "aot_eager":
        return function_of("decomposition", operator) is not None
    op = overload(operator)
    keys = {getattr(key, "name", "") for key in getattr(op, "py_kernels", {})}
    return bool(keys.intersection(AUTOGRAD_KEYS))


def alone_evidence(check: AloneCheck, backend: str) -> str:
    what = f"{check.operator}'s decomposition" if check.operator else "the functionalized program"
    return (f"torch's CompilerBisector: the bug first shows with backend {backend!r} (no "
            f"subsystem named); {what} run alone in eager on the program's values: "
            f"{check.finding}")  # fmt: skip


def _pointer(
    kind: str, found: Source | None, evidence: str, operator: str = "", function: str = ""
) -> CodePointer | None:
    if found is None:
        return None
    name = function or found.name
    return CodePointer(kind, found.file, name, found.line, found.snippet, evidence, operator)
