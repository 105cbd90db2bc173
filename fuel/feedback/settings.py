"""Compile settings per test: the space the campaign searches, and who chooses.

A campaign compiles every test with its base options (the command line's), unless it
explores settings (``--settings explore``): then each generated program also gets a
few compile settings (:class:`~fuel.execute.options.CompileSetting`, whose families and
stored text form are defined there), each one change to the base options. The space's
vocabulary, the values a campaign tries, is this module's:

=============================== ========================================================
token                           why it is worth a test
=============================== ========================================================
``target=export``, ``=aoti``    torch.export's tracer and exported programs; AOTInductor's
                                ahead-of-time package (``fuel.execute.targets``); a test
                                keeps only the settings its target takes
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
over the settings' texts (its tokens), rewarded by the same new coverage and new bugs,
so settings that keep finding new compiler code or new bugs are tried more.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fuel.execute.options import CONFIG_MODULES, CompileSetting, SettingFamily, ordered
from fuel.execute.records import CompileOptions
from fuel.execute.targets import DEFAULT as DEFAULT_TARGET
from fuel.execute.targets import names as target_names
from fuel.execute.targets import target_named, target_of
from fuel.feedback.fasa import FeedbackAwareAnnealing
from fuel.feedback.heuristic import HeuristicSettings
from fuel.feedback.record import Feedback
from fuel.feedback.reward import DEFAULT_REWARD

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
# The token for "the base options as they are": in the space, so that the annealer
# learns whether the default path still pays, as it learns any setting. Chosen with
# other tokens it only stands for fewer changes; chosen alone, the test is the default.
BASE = "default"


def config_default(name: str) -> tuple[bool, Any]:
    """(whether this torch has the setting, its default value)."""
    family, _, field = name.partition(".")
    try:
        module: Any = importlib.import_module(CONFIG_MODULES[family])
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


def candidates(base: CompileOptions) -> list[CompileSetting]:
    """Every setting of the space's vocabulary that changes ``base``: every target
    (what is compared with eager), then torch.compile's own settings."""
    found = []
    if base.validate == "compiler":  # each target that takes what the command line set
        found += [CompileSetting("target", name) for name in target_names()
                  if name != base.target and not target_named(name).refuses(base)]  # fmt: skip
    found += [CompileSetting("dynamic", v) for v in (True, False) if v != base.dynamic]
    if not base.backward:
        found.append(CompileSetting("backward", True))
    if not base.fullgraph:
        found.append(CompileSetting("fullgraph", True))
    modes = MODES + (CUDA_MODES if base.device == "cuda" else ())
    found += [CompileSetting("mode", m) for m in modes if m != base.mode]
    if base.backend == "inductor":
        found += [CompileSetting(n, v) for n, v in CONFIG_OVERRIDES if valid_override(n, v)]
    return found


@dataclass(frozen=True, slots=True)
class SettingsSpace:
    """The settings a campaign may choose from."""

    settings: tuple[CompileSetting, ...]
    target: str = DEFAULT_TARGET  # the base options' target, where no setting names one

    @classmethod
    def build(cls, base: CompileOptions, pinned: Iterable[str] = ()) -> SettingsSpace:
        """Every setting that changes ``base`` in a family the command line left free
        (``pinned``: family names, as ``SettingFamily`` spells them)."""
        fixed = {SettingFamily(name) for name in pinned}
        found = [s for s in candidates(base) if s.family not in fixed]
        if SettingFamily.TARGET in fixed:  # then only what that target takes
            found = [s for s in found if target_of(base).accepts(s)]
        return cls(ordered(found), base.target)

    @property
    def tokens(self) -> tuple[str, ...]:
        """What the annealer chooses from: each setting's text, and ``BASE``."""
        return tuple(s.text for s in self.settings) + ((BASE,) if self.settings else ())


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
        self.by_text = {setting.text: setting for setting in space.settings}
        self.proposed: set[str] = set()  # tokens sent out, results in or not
        self.trying_all = True

    def tokens_of(self, feedback: Feedback) -> tuple[str, ...]:
        return tuple(setting.text for setting in feedback.settings) or (BASE,)

    def choose(self) -> tuple[CompileSetting, ...]:
        """The settings of the next test (none: the base options as they are), less
        those its target does not take (export takes no Inductor config)."""
        chosen = tuple(self.by_text[text] for text in self.propose())
        named = (s.value for s in chosen if s.family is SettingFamily.TARGET)
        target = target_named(next(named, self.space.target))
        return tuple(setting for setting in chosen if target.accepts(setting))

    def propose(self) -> tuple[str, ...]:
        """The tokens of the next test, one per setting name, ``BASE`` left out."""
        untried = [t for t in self.universe if t not in self.proposed and t not in self.stats]
        if untried and self.current:
            self.current = self.with_newcomer(self.current, self.rng.choice(untried))
            chosen = self.current
        else:
            if self.trying_all:
                self.trying_all = False
                self.current = self.best_tokens()
            chosen = super().propose()
        names: dict[str, str] = {}
        for text in chosen:  # one value per setting name
            if text == BASE:
                self.proposed.add(BASE)
                continue
            names.setdefault(self.by_text[text].name, text)
        self.proposed.update(names.values())
        return tuple(sorted(names.values()))

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
