"""Inside a fresh sandboxed interpreter: torch's CompilerBisector on a repro, and the
compiler's pieces run alone in eager on the program's own values.

:mod:`fuel.triage.bisector` writes a script that calls :func:`main` with an
:class:`Order` and runs it through :func:`fuel.execute.script.run_script`; the result
comes back as one line of stdout, ``MARK`` and a :class:`~fuel.store.bugdir.
CompilerBisection` in JSON. One bisection per interpreter: the bisector keeps its state
in a directory and in class attributes, and Inductor's caches would hide the lowerings
it counts, so they are off here.

The bisector asks, run after run, whether the bug still shows; the answer is the
repro's own: it is executed as ``__main__`` and its exit says (0 no, 1 yes, its error
code: this run cannot say, and the bisection stops undecided). A crash repro shows the
bug when its compiled call raises the bug's exception. Then, for the few lowerings the
bisector names by FX node, the node's aten operator is read from the graph Inductor
lowers; and two checks maintainers make by hand run the program eagerly: each
decomposition Inductor uses, alone, against the operator it replaces, and the program
functionalized (AOTAutograd's in-place rewrite) against the program.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fuel import serial
from fuel.store.bugdir import AloneCheck, BisectorAnswer, CompilerBisection

MARK = "FUEL-BISECTION "
LOG_LINES = 6  # of the bisector's own output, kept with an undecided answer
# "<OpOverload(op='aten.add', overload='Tensor')>", as the decomposition bisector logs it
OVERLOAD = re.compile(r"op='([\w.]+)', overload='(\w+)'")


@dataclass(frozen=True, slots=True)
class Order:
    repro: str  # the repro's text, run as __main__ for each of the bisector's questions
    program: str  # the reduced program, for the runs alone
    crash: str  # a crash repro: the exception (its short name) that is the bug
    device: str = "cpu"


class Undecided(Exception):
    """A run whose answer is neither "shows the bug" nor "does not"."""


def main(order_json: str) -> None:
    order = serial.loads(Order, order_json)
    start = time.monotonic()
    found = bisect(order)
    found = replace(found, alone=alone_checks(order), seconds=round(time.monotonic() - start, 1))
    print(MARK + serial.dumps(found), flush=True)


def bisect(order: Order) -> CompilerBisection:
    try:
        from torch._inductor.compiler_bisector import CompilerBisector
    except ImportError as error:
        return CompilerBisection("unavailable", detail=f"this torch has no bisector: {error}")
    import torch._inductor.config

    torch._inductor.config.force_disable_caches = True
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log):
            result = CompilerBisector.do_bisect(lambda: passes(order))
    except Undecided as error:
        return CompilerBisection("undecided", detail=f"{error}; {_tail(log)}")
    except Exception as error:  # the bisector's own checks (a flaky repro)
        return CompilerBisection("undecided", detail=f"{type(error).__name__}: {error}")
    if result is None:
        return CompilerBisection("no_issue", detail=_tail(log))
    answer = BisectorAnswer(result.backend, result.subsystem, result.bisect_number,
                            result.debug_info)  # fmt: skip
    status = "found" if answer.subsystem else "backend_only"
    return CompilerBisection(status, answer, operator=named_operator(answer, order))


def passes(order: Order) -> bool:
    """One of the bisector's questions: True when the repro does not show the bug."""
    import torch

    torch._dynamo.reset()
    try:
        with _quiet():
            exec(compile(order.repro, "repro.py", "exec"), {"__name__": "__main__"})
    except SystemExit as stop:
        code = stop.code or 0
        if code in (0, 1):
            return code == 0
        raise Undecided(f"the repro could not check (exit {code})") from None
    except Exception as error:
        if order.crash and order.crash in _chain_names(error):
            return False
        raise Undecided(f"the repro raised {type(error).__name__}, not the bug") from None
    return True  # a crash repro ran to its end: the compiled call did not raise


def _chain_names(error: BaseException) -> set[str]:
    names: set[str] = set()
    seen: BaseException | None = error
    while seen is not None and type(seen).__name__ not in names:
        names.add(type(seen).__name__)
        inner = getattr(seen, "inner_exception", None)
        seen = seen.__cause__ or seen.__context__ or (inner if isinstance(inner, BaseException)
                                                      else None)  # fmt: skip
    return names


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def _tail(log: io.StringIO) -> str:
    lines = [line for line in log.getvalue().splitlines() if line.strip()]
    return " / ".join(lines[-LOG_LINES:])


def named_operator(answer: BisectorAnswer, order: Order) -> str:
    """The aten operator of the application the bisector found: logged as the operator
    for a decomposition, as the FX node's name for a lowering."""
    info = answer.debug_info or ""
    if answer.subsystem == "decomposition":
        match = OVERLOAD.search(info)
        return f"{match[1]}.{match[2]}" if match else info
    if answer.subsystem == "lowerings" and info:
        return lowered_nodes(order).get(info, "")
    return ""


def lowered_nodes(order: Order) -> dict[str, str]:
    """FX node name -> aten operator, for the graphs Inductor lowers in one more run."""
    import torch._inductor.config

    found: dict[str, str] = {}

    def record(graph: Any) -> None:
        for node in graph.nodes:
            if node.op == "call_function":
                found.setdefault(node.name, str(node.target))

    saved = torch._inductor.config.post_grad_custom_post_pass
    torch._inductor.config.post_grad_custom_post_pass = record
    try:
        passes(order)
    except Undecided:
        pass
    finally:
        torch._inductor.config.post_grad_custom_post_pass = saved
    return found


def alone_checks(order: Order) -> tuple[AloneCheck, ...]:
    """Each decomposition alone against its operator, and the program functionalized
    against the program, on the reduced program's own inputs, in eager."""
    try:
        model, inputs = _instance(order)
    except Exception:  # the program does not build here: nothing to run alone
        return ()
    return (*decompositions_alone(model, inputs), *functionalized_alone(model, inputs))


def _instance(order: Order) -> tuple[Any, tuple[Any, ...]]:
    from fuel.execute.runner import instantiate
    from fuel.program import load_source

    spec = load_source(order.program, "reduced", allow_unsafe=True)
    instance = instantiate(spec, Path(tempfile.mkdtemp(prefix="alone-")), order.device, 0)
    return instance.model, instance.inputs


def decompositions_alone(model: Any, inputs: tuple[Any, ...]) -> list[AloneCheck]:
    import torch
    from torch._inductor.decomposition import select_decomp_table
    from torch.utils._python_dispatch import TorchDispatchMode

    from fuel.execute.tensors import clone_value

    table = select_decomp_table()
    found: dict[str, AloneCheck] = {}

    class Alone(TorchDispatchMode):
        def __torch_dispatch__(
            self, func: Any, types: Any, args: Any = (), kwargs: Any = None
        ) -> Any:
            kwargs = kwargs or {}
            decomposition = table.get(func)
            if decomposition is None or torch.Tag.nondeterministic_seeded in func.tags:
                return func(*args, **kwargs)
            copies = clone_value((args, kwargs))
            result = func(*args, **kwargs)
            finding = _differs(func, result, lambda: decomposition(*copies[0], **copies[1]),
                               copies)  # fmt: skip
            if finding and str(func) not in found:
                found[str(func)] = AloneCheck("decomposition", str(func), finding)
            return result

    with torch.no_grad(), _quiet(), Alone(), contextlib.suppress(Exception):
        model(*clone_value(inputs))  # eager may raise (the bug may be that it does)
    return list(found.values())


def functionalized_alone(model: Any, inputs: tuple[Any, ...]) -> list[AloneCheck]:
    import torch
    from torch.func import functionalize

    from fuel.execute.tensors import clone_value

    with torch.no_grad(), _quiet():
        try:
            eager = model(*clone_value(inputs))
        except Exception as error:
            eager_error = f"{type(error).__name__}"
        else:
            eager_error = ""
        try:
            alone = functionalize(model)(*clone_value(inputs))
        except Exception as error:
            alone_error = f"{type(error).__name__}"
        else:
            alone_error = ""
    if eager_error and not alone_error:
        finding = f"eager raises {eager_error}, the functionalized program returns"
    elif alone_error or eager_error or _same(eager, alone, None):
        return []
    else:
        finding = "the functionalized program's values differ from eager's"
    return [AloneCheck("functionalization", "", finding)]


def _differs(func: Any, result: Any, alone: Callable[[], Any], copies: Any) -> str:
    """What differs between an operator's result and its decomposition's, or ''."""
    from torch.utils._pytree import tree_leaves

    try:
        decomposed = alone()
    except Exception as error:
        return f"the decomposition raises {type(error).__name__} where the operator returns"
    ours, theirs = tree_leaves(result), tree_leaves(decomposed)
    if [_kind_of(v) for v in ours] != [_kind_of(v) for v in theirs]:
        return "dtypes or shapes differ: " + _kinds(ours, theirs)
    if _same(result, decomposed, _float64(func, copies)):
        return ""
    return _first_difference(ours, theirs)


def _kind_of(value: Any) -> tuple[str, tuple[int, ...]]:
    import torch

    if isinstance(value, torch.Tensor):
        return str(value.dtype), tuple(value.shape)
    return type(value).__name__, ()


def _kinds(ours: list[Any], theirs: list[Any]) -> str:
    return f"{[_kind_of(v) for v in ours]} vs {[_kind_of(v) for v in theirs]}"


def _float64(func: Any, copies: Any) -> Any:
    """The operator on float64 copies of its floating inputs (the reference), or None."""
    from fuel.execute.tensors import widen_value

    try:
        args, kwargs = widen_value(copies)
        return func(*args, **kwargs)
    except Exception:
        return None


def _same(a: Any, b: Any, reference: Any) -> bool:
    from torch._dynamo.utils import same

    try:
        return bool(same(a, b, fp64_ref=reference, equal_nan=True))
    except Exception:
        return bool(same(a, b, equal_nan=True))


def _first_difference(ours: list[Any], theirs: list[Any]) -> str:
    import torch

    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if not isinstance(a, torch.Tensor) or torch.equal(a, b):
            continue
        differ = ~((a == b) | (a.isnan() & b.isnan())) if a.is_floating_point() else a != b
        where = differ.nonzero()[0].tolist() if differ.any() else []
        return (f"output {index} at {where}: the operator gives {a[tuple(where)].item():.4g}, "
                f"its decomposition {b[tuple(where)].item():.4g}")  # fmt: skip
    return "values differ"
