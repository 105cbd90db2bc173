"""Compile settings per test: the space, how a choice applies, and who chooses.

A campaign compiles every test with its base options (the command line's), unless it
explores settings (``--settings explore``): then each generated program also gets a
few *setting tokens*, each one change to the base options, written ``key=value``:

=============================== ========================================================
token                           why it is worth a test
=============================== ========================================================
``dynamic=True/False``          symbolic shapes, guards and unbacked sizes
``backward=True``               AOTAutograd's backward graph and the min-cut partitioner
``fullgraph=True``              capture without graph breaks
``mode=max-autotune-no-         Inductor's templates and autotuning (GEMMs, convs)
cudagraphs``
``inductor.<field>=<value>``    code generation settings (:data:`CONFIG_OVERRIDES`),
``dynamo.<field>=<value>``      each validated against this torch's config
``functorch.<field>=<value>``
=============================== ========================================================

A family the command line pins (``--dynamic``, ``--backward``, ...) is left out of the
space. The choice is learnt like the operators are: :class:`SettingsAnnealing` is FASA
over setting tokens, rewarded by the same new coverage and new bugs, so settings that
keep finding new compiler code or new bugs are tried more.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from fuel.execute.compiler_settings import OPTION_MODULES
from fuel.execute.records import CompileOptions
from fuel.feedback.fasa import FeedbackAwareAnnealing
from fuel.feedback.heuristic import HeuristicSettings
from fuel.feedback.record import Feedback
from fuel.feedback.reward import DEFAULT_REWARD
from fuel.program import parsing

MODES = ("max-autotune-no-cudagraphs",)
CUDA_MODES = ("reduce-overhead",)
# Compiler settings that change what code is generated on the CPU, with the value a
# test tries (the opposite of the default, or a vector width). Entries this torch does
# not have, or whose default has another type, are left out when the space is built.
# Each reaches compiler code that the default path never runs (a pass, a planner, a
# wrapper, another partitioner) without changing what the program computes, so a
# difference from eager stays a bug. Left out: settings that change numerics on
# purpose (``cpp.use_decompose_tanh``, fast math), ``fallback_random`` (another random
# stream), and those that only act together with another setting (weight prepacking
# and concat-linear need freezing).
CONFIG_OVERRIDES: tuple[tuple[str, Any], ...] = (
    ("inductor.freezing", True),
    ("inductor.cpp_wrapper", True),
    ("inductor.memory_planning", True),
    ("inductor.split_reductions", False),
    ("inductor.aggressive_fusion", True),
    ("inductor.epilogue_fusion", False),
    ("inductor.max_fusion_size", 1),
    ("inductor.realize_opcount_threshold", 1),
    ("inductor.unroll_reductions_threshold", 1),
    ("inductor.emulate_precision_casts", True),
    ("inductor.loop_ordering_after_fusion", False),
    ("inductor.reorder_for_peak_memory", False),
    ("inductor.pattern_matcher", False),
    ("inductor.joint_graph_constant_folding", False),
    ("inductor.layout_optimization", False),
    ("inductor.decompose_mem_bound_mm", True),
    ("inductor.group_fusion", True),
    ("inductor.online_softmax", False),
    ("inductor.debug_index_asserts", True),
    ("inductor.cpp.simdlen", 1),  # no vectorization
    ("inductor.cpp.simdlen", 256),  # AVX2-wide vectors
    ("inductor.cpp.enable_loop_tail_vec", False),
    ("inductor.cpp.enable_tiling_heuristics", False),
    ("inductor.cpp.dynamic_threads", True),
    ("inductor.cpp.max_horizontal_fusion_size", 1),
    ("dynamo.capture_scalar_outputs", True),
    ("dynamo.capture_dynamic_output_shape_ops", True),
    ("dynamo.specialize_float", True),
    ("functorch.activation_memory_budget", 0.5),  # the partitioner's knapsack (backward)
)
# A test changes at most this many settings at once: enough for interactions
# (dynamic shapes with backward and a config), few enough that a bug's settings stay
# readable; a bug's report carries only the ones it needs (settings are bisected).
MAX_SETTINGS = 3
OPTION_FAMILIES = ("dynamic", "backward", "fullgraph", "mode")
# The token for "the base options as they are": in the space, so that the annealer
# learns whether the default path still pays, as it learns any setting. Chosen with
# other tokens it only stands for fewer changes; chosen alone, the test is the default.
BASE = "default"


def token(key: str, value: Any) -> str:
    return f"{key}={value}"


def parse_token(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    try:
        return key, parsing.literal(value)
    except (ValueError, SyntaxError):
        return key, value  # a plain word: a mode's name


def family_of(text: str) -> str:
    return text.partition("=")[0]


def apply(options: CompileOptions, tokens: Iterable[str]) -> CompileOptions:
    """The base options with each token's change (the first token of a family wins)."""
    seen: set[str] = set()
    for text in tokens:
        if text == BASE:
            continue
        key, value = parse_token(text)
        if key in seen:
            continue
        seen.add(key)
        if key in OPTION_FAMILIES:
            options = replace(options, **{key: value})
        else:
            options = options.with_config(key, value)
    return options


def config_default(name: str) -> tuple[bool, Any]:
    """(whether this torch has the setting, its default value)."""
    family, _, field = name.partition(".")
    try:
        module: Any = importlib.import_module(OPTION_MODULES[family])
    except (KeyError, ImportError):
        return False, None
    for part in field.split("."):
        if not hasattr(module, part):
            return False, None
        module = getattr(module, part)
    return True, module


def valid_override(name: str, value: Any) -> bool:
    exists, default = config_default(name)
    if not exists or default == value:
        return False
    return default is None or type(default) is type(value)


@dataclass(frozen=True, slots=True)
class SettingsSpace:
    """The tokens a campaign may choose from."""

    tokens: tuple[str, ...]

    @classmethod
    def build(cls, base: CompileOptions, pinned: Iterable[str] = ()) -> SettingsSpace:
        """Every token that changes ``base`` in a family the command line left free."""
        pinned = set(pinned)
        found: list[str] = []
        if "dynamic" not in pinned:
            found += [token("dynamic", v) for v in (True, False) if v != base.dynamic]
        if "backward" not in pinned and not base.backward:
            found.append(token("backward", True))
        if "fullgraph" not in pinned and not base.fullgraph:
            found.append(token("fullgraph", True))
        if "mode" not in pinned:
            modes = MODES + (CUDA_MODES if base.device == "cuda" else ())
            found += [token("mode", m) for m in modes if m != base.mode]
        if base.backend == "inductor" and "config" not in pinned:
            found += [token(n, v) for n, v in CONFIG_OVERRIDES if valid_override(n, v)]
        return cls(tuple(sorted(set(found))) + ((BASE,) if found else ()))


class SettingsAnnealing(FeedbackAwareAnnealing):
    """FASA over setting tokens: what it learns from a test is that test's settings.

    Tokens never tried come first. The space is small (a few dozen tokens), and a
    setting's first test is where most of its new compiler code shows (a backward
    graph, the C++ wrapper, freezing's passes): left to one-token moves, a short
    campaign never reaches some of them. So while any token is untried, each proposal
    brings one in; then the annealer searches locally, from the best-scoring tokens.
    """

    name = "fasa-settings"

    def __init__(self, space: SettingsSpace, seed: int, reward: str = DEFAULT_REWARD) -> None:
        super().__init__(HeuristicSettings(space.tokens, seed, MAX_SETTINGS, reward))
        self.space = space
        self.proposed: set[str] = set()  # tokens sent out, results in or not
        self.trying_all = True

    def tokens_of(self, feedback: Feedback) -> tuple[str, ...]:
        return feedback.settings or (BASE,)

    def propose(self) -> tuple[str, ...]:
        untried = [t for t in self.universe if t not in self.proposed and t not in self.stats]
        if untried and self.current:
            self.current = self.with_newcomer(self.current, self.rng.choice(untried))
            chosen = self.current
        else:
            if self.trying_all:
                self.trying_all = False
                self.current = self.best_tokens()
            chosen = super().propose()
        families: dict[str, str] = {}
        for text in chosen:  # one value per family
            if text == BASE:
                self.proposed.add(BASE)
                continue
            families.setdefault(family_of(text), text)
        self.proposed.update(families.values())
        return tuple(sorted(families.values()))

    def best_tokens(self) -> tuple[str, ...]:
        mean_uses = self._mean_uses()
        ranked = sorted(self.universe, key=lambda t: -self.operator_score(t, mean_uses))
        return tuple(sorted(ranked[: self.max_ops]))

    def with_newcomer(self, tokens: tuple[str, ...], newcomer: str) -> tuple[str, ...]:
        members = list(tokens)
        if len(members) < self.max_ops:
            members.append(newcomer)
        else:
            members[self.rng.randrange(len(members))] = newcomer
        return tuple(sorted(members))


def settings_used(rows: Iterable[tuple[tuple[str, ...], int]]) -> dict[str, dict[str, int]]:
    """Tests per setting family and value, from (tokens, tests) pairs: the tests
    without a token of a family count under "default"."""
    counts: dict[str, dict[str, int]] = {}
    total = 0
    for tokens, tests in rows:
        total += tests
        for text in tokens:
            key, value = parse_token(text)
            family = counts.setdefault(key, {})
            family[str(value)] = family.get(str(value), 0) + tests
    for family in counts.values():
        family["default"] = total - sum(family.values())
    return counts
