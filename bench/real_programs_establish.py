"""Establish the expected verdict of each program in bench/real_programs/ with plain torch.

For every program, in a fresh interpreter: eager twice, ``torch.compile`` (Inductor),
a float64 reference (model and floating inputs widened), and PyTorch's own rule,
``torch._dynamo.utils.same(eager, compiled, fp64_ref)``. Some programs name a check
in the manifest: a few lines of plain torch that settle what ``same()`` cannot (a
discrete op on identical inputs, the precision ladder, eager's own garbage). Then the
manifest's verdict is compared with the evidence, and every disagreement is printed.
The verdicts were established on torch 2.13.0; on another torch a ``bug`` program whose
``shows_on`` does not name that torch's release line is expected to show no bug.

fuel is used for one thing only: the text edit that moves ``.cuda()`` programs to the
CPU (:func:`fuel.program.device.retarget`), the same edit ``fuel check`` makes.

    PYTHONPATH=$PWD python bench/real_programs_establish.py [NAME...]
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import subprocess
import sys
import time
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent / "real_programs"
MANIFEST = HERE / "manifest.yaml"


# ----------------------------------------------------------------- one program
def load(path: Path) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
    """(model, inputs, namespace) of the program, the way fuel finds them."""
    import torch

    from fuel.program.device import retarget

    source = path.read_text()
    source, _ = retarget(source, ast.parse(source), "cpu")
    module = types.ModuleType("real_program")
    module.__file__ = str(path)
    sys.modules["real_program"] = module  # dataclasses look their module up
    exec(compile(source, str(path), "exec"), module.__dict__)
    namespace = module.__dict__
    model = find_model(namespace, torch.nn.Module)
    return model, find_inputs(namespace, model), namespace


def find_model(namespace: dict[str, Any], module_type: type) -> Any:
    for value in namespace.values():
        if isinstance(value, module_type):
            return value
    if "make_model" in namespace:
        return namespace["make_model"]()
    classes = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, module_type)]
    classes = [c for c in classes if c is not module_type and c.__module__ == "real_program"]
    named = [c for c in classes if c.__name__ == "Model"]
    return (named or classes[-1:])[0]()


def find_inputs(namespace: dict[str, Any], model: Any) -> tuple[Any, ...]:
    import inspect

    if "make_inputs" in namespace:
        return tuple(namespace["make_inputs"]())
    for name in ("inputs", "example_inputs"):
        if name in namespace:
            return tuple(namespace[name])
    params = [
        p.name
        for p in inspect.signature(model.forward).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return tuple(namespace[p] for p in params)


def cloned(inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    import torch

    return tuple(v.clone() if isinstance(v, torch.Tensor) else v for v in inputs)


def widened(inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    import torch

    return tuple(
        v.to(torch.float64) if isinstance(v, torch.Tensor) and v.is_floating_point() else v
        for v in cloned(inputs)
    )


def attempt(fn: Callable[[], Any]) -> tuple[Any, str | None]:
    try:
        return fn(), None
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return None, f"{type(exc).__name__}: {first[:160]}"


def run(model: Any, inputs: tuple[Any, ...], compiled: bool = False) -> Any:
    import torch

    torch.manual_seed(0)
    with torch.no_grad():
        if compiled:
            torch._dynamo.reset()
            return torch.compile(copy.deepcopy(model))(*cloned(inputs))
        return copy.deepcopy(model)(*cloned(inputs))


def evidence(path: Path, check: str | None) -> dict[str, Any]:
    import torch
    from torch._dynamo.utils import same

    warnings.filterwarnings("ignore")
    torch._inductor.config.fallback_random = True
    loaded, load_error = attempt(lambda: load(path))
    if load_error:
        return {"load_error": load_error}
    model, inputs, _ = loaded
    model.eval()
    eager, eager_error = attempt(lambda: run(model, inputs))
    repeat, _ = attempt(lambda: run(model, inputs))
    compiled, compiled_error = attempt(lambda: run(model, inputs, compiled=True))
    found: dict[str, Any] = {"eager_error": eager_error, "compiled_error": compiled_error}
    if eager_error or compiled_error:
        return found
    reference, reference_error = attempt(
        lambda: run(copy.deepcopy(model).to(torch.float64), widened(inputs))
    )
    found["eager_repeatable"] = bool(same(eager, repeat, equal_nan=True, log_error=_quiet))
    found["identical"] = _identical(eager, compiled)
    found["same"] = (
        None
        if reference_error
        else bool(same(eager, compiled, reference, equal_nan=True, log_error=_quiet))
    )
    found["eager"], found["compiled"] = _show(eager), _show(compiled)
    found["reference"] = reference_error or _show(reference)
    if check:
        found["check"] = CHECKS[check](model, inputs, eager, compiled, reference)
    return found


def _quiet(*args: Any) -> None:
    pass


def _identical(a: Any, b: Any) -> bool:
    import torch

    if isinstance(a, (tuple, list)):
        return all(_identical(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    return bool(a == b)


def _show(value: Any) -> str:
    return " ".join(str(value).split())[:300]


# ----------------------------------------------------------------- the checks
def tanh_cast_on_identical_inputs(model: Any, inputs: Any, *_: Any) -> dict[str, Any]:
    """Feed eager's tanh values to the compiled cast: does the cast itself disagree?"""
    import torch

    (x,) = inputs
    floats = torch.tanh(x)
    cast = torch.compile(lambda t: t.to(torch.int32))(floats.clone())
    compiled_tanh = torch.compile(torch.tanh)(x.clone())
    return {
        "cast_agrees_on_identical_inputs": bool(torch.equal(cast, floats.to(torch.int32))),
        "tanh(9) eager/compiled/fp64": [
            floats[0].item(), compiled_tanh[0].item(), torch.tanh(x[0].double()).item()
        ],
    }  # fmt: skip


def precision_casts_ladder(model: Any, inputs: Any, eager: Any, *_: Any) -> dict[str, Any]:
    """Re-run compiled with emulate_precision_casts: does the mismatch go away?"""
    import torch

    torch._inductor.config.emulate_precision_casts = True
    try:
        emulated = run(model, inputs, compiled=True)
    finally:
        torch._inductor.config.emulate_precision_casts = False
    return {"identical_with_emulate_precision_casts": _identical(eager, emulated)}


def eager_far_from_fp64(model: Any, inputs: Any, eager: Any, compiled: Any, ref: Any) -> Any:
    """Where eager and compiled differ, is eager itself far from the float64 answer?"""
    import torch

    differs = ~torch.isclose(eager, compiled, equal_nan=True)
    e, r = eager[differs].double(), ref[differs]
    far = ((e - r).abs() > 1e-3 * r.abs().clamp(min=1)) | (r.isnan() != e.isnan())
    return {"positions": int(differs.sum()), "eager_far_from_fp64_there": bool(far.all())}


def discrete_op_on_identical_inputs(
    model: Any, inputs: Any, eager: Any, compiled: Any, ref: Any
) -> dict[str, Any]:
    """The discrete op's inputs are the program's own: eager = fp64 and compiled not?"""
    import torch

    first = eager[0] if isinstance(eager, tuple) else eager
    done = compiled[0] if isinstance(compiled, tuple) else compiled
    reference = ref[0] if isinstance(ref, tuple) else ref
    return {
        "eager_equals_fp64": bool(torch.equal(first.double(), reference.double())),
        "compiled_differs": not bool(torch.equal(first, done)),
    }


def true_minimum(model: Any, inputs: Any, eager: Any, compiled: Any, *_: Any) -> Any:
    """The values output against Python's own min per row (ties cannot touch it)."""
    import torch

    (pixels,) = inputs
    truth = torch.tensor([min(row) for row in pixels.tolist()], dtype=pixels.dtype)
    return {
        "eager_values_true": bool(torch.equal(eager[0], truth)),
        "compiled_values_wrong": not torch.equal(compiled[0], truth),
    }


CHECKS: dict[str, Callable[..., dict[str, Any]]] = {
    "tanh_cast_on_identical_inputs": tanh_cast_on_identical_inputs,
    "precision_casts_ladder": precision_casts_ladder,
    "eager_far_from_fp64": eager_far_from_fp64,
    "discrete_op_on_identical_inputs": discrete_op_on_identical_inputs,
    "true_minimum": true_minimum,
}


# ----------------------------------------------------------------- the manifest
def shown_here(entry: dict[str, Any], torch_version: str) -> bool:
    """Does the manifest say this program shows its bug on ``torch_version``'s release
    line (``shows_on``, measured by bench/versions.py)? The verdicts were established on
    torch 2.13.0; a bug a later torch fixed is no bug there."""
    from fuel.store.known import of_release

    return any(of_release(torch_version, str(line)) for line in entry.get("shows_on", ()))


def consistent(entry: dict[str, Any], found: dict[str, Any], torch_version: str) -> str | None:
    """None when the evidence supports the manifest's verdict on this torch, else why not."""
    verdict, check = entry["verdict"], found.get("check", {})
    if "load_error" in found:
        return f"could not load: {found['load_error']}"
    both, eager_only = found["eager_error"], found["eager_error"] and not found["compiled_error"]
    if verdict == "bug" and not shown_here(entry, torch_version):
        raised = (bool(found["eager_error"]), bool(found["compiled_error"]))
        agree = not any(raised) and (found.get("identical") or found.get("same"))
        return None if all(raised) or agree else "shows a bug where shows_on says it does not"
    if verdict == "invalid":
        return None if both and found["compiled_error"] else "eager or compiled did not raise"
    if eager_only:
        return None if entry.get("kind") == "eager_only_error" else "only eager raised"
    if found["compiled_error"]:
        return None if entry.get("kind") == "compile_crash" else "only compiled raised"
    if check and not all(v for v in check.values() if isinstance(v, bool)):
        return f"its check does not hold: {check}"
    agrees = found["identical"] or found["same"]
    if verdict == "pass":
        return None if agrees else "same() flags it"
    if verdict == "bug":
        return None if not agrees else "same() passes it"
    if verdict == "skipped":
        return None if entry.get("hazard") or not agrees else "nothing to skip: they agree"
    return f"unknown verdict {verdict}"


def establish(name: str, entry: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--one", name]
    if entry.get("check"):
        command += ["--check", entry["check"]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        return {"load_error": done.stderr.strip().splitlines()[-1:] or ["?"]}
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--check", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(evidence(HERE / f"{args.one}.py", args.check)))
        return 0
    from fuel.store.known import installed_torch

    manifest = yaml.safe_load(MANIFEST.read_text())
    names = args.names or sorted(manifest)
    torch_version = installed_torch()
    missing = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in manifest)
    if missing:
        print(f"not in the manifest: {', '.join(missing)}")
    disagreements = 0
    for name in names:
        start = time.monotonic()
        found = establish(name, manifest[name])
        problem = consistent(manifest[name], found, torch_version)
        disagreements += problem is not None
        print(f"{name:40} {manifest[name]['verdict']:8} {time.monotonic() - start:5.1f}s "
              f"{'OK' if problem is None else 'DISAGREES: ' + problem}")  # fmt: skip
        print(f"    {json.dumps(found)[:600]}")
    print(f"{len(names)} programs, {disagreements} disagreements with the manifest")
    return 1 if disagreements or missing else 0


if __name__ == "__main__":
    sys.exit(main())
