"""Coverage where it pays: which of a campaign's tests have their coverage measured.

Tracing the compiler's lines with coverage.py slows the compiled phase, where nearly
all of a test's time goes (``bench/coverage_cost.py`` measures by how much). What the
campaign does with a test's new lines is steer: FASA's gain per operator and per
setting token, the corpus (a program joins it by bringing new lines), the corpus'
credits, and the LLM's prompt. Those learn most from the first tests of a combination
and from mutants, so ``--coverage-policy`` measures where a test can inform the next
choice and skips the rest:

=========== ======================================================================
policy      measured tests
=========== ======================================================================
``all``     every test (fuel before issue 14; campaigns migrated from then)
``new``     a test with a *new token*: an operator of its program, or one of its
            setting tokens, that fewer than ``FIRST_MEASURED`` measured tests of the
            campaign had; and every mutant of a corpus program
``sampled`` what ``new`` measures, and ``SAMPLE_SHARE`` of the rest
=========== ======================================================================

Tokens, not whole combinations: FASA learns a gain per operator and per setting
token, so a test informs it where one of its tokens has too few measurements yet. (A
combination as the key would measure nearly everything: the built-in generator adds
operators of its own around FASA's one to three, so its programs' operator sets
almost never repeat.) Mutants are measured under every policy because a mutant
exists to find coverage next to a corpus program, and only a measured test can join
the corpus on new lines. The sample is drawn from the program's digest, not a random
stream: the choice is the same on a rerun and does not shift the generator's draws.

A test that is not measured is recorded as such (``tests.coverage_measured``), and
neither FASA nor its replay on ``--resume`` learns "no new lines" from it (see
:mod:`fuel.feedback.fasa`). On resume the tokens' counts are rebuilt from the tests
stored as measured. The campaign's covered-lines figure counts measured tests only:
under ``new`` or ``sampled`` it is a lower bound of what the campaign reached.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from fuel.execute.options import CompileSetting
from fuel.program.record import Program

POLICIES = ("all", "new", "sampled")
# The default, from measurements on this 2-core machine (issue 14): coverage makes a
# test's compile 1.35x slower (bench/coverage_cost.py, 30 programs). Over the first
# 600 tests of a campaign (bench/coverage_cost.py --simulate 600: the built-in
# generator and FASA) "sampled" measures nearly every test at first and 72 % of tests
# 480-600, "new" 68 %: 0.93x and 0.92x the time per test of "all" there, and less as
# the campaign goes on. "sampled" keeps refreshing every token's gain for that price.
DEFAULT_POLICY = "sampled"
# A token is new until this many measured tests had it: FASA's gain for it is then an
# average, not one test's luck (a single test's new lines vary by orders of
# magnitude). One measured use saves more (tests 480-600: 67 % measured under
# "sampled"), three save little (84 %).
FIRST_MEASURED = 2
# Of the other tests, one in four is measured: FASA averages a token's gain over its
# last ~5 measured uses (fasa.OPERATOR_DECAY), so at one in four a gain still follows
# what its token's tests bring within about twenty uses, while three quarters of
# those tests compile at full speed.
SAMPLE_SHARE = 0.25


def tokens_of(ops: Iterable[str], settings: Iterable[CompileSetting]) -> set[str]:
    """What FASA learns about from a test: its operators and its settings' texts."""
    return {*ops, *(setting.text for setting in settings)}


def in_sample(digest: str, share: float = SAMPLE_SHARE) -> bool:
    """In the sample? Decided by a digest (uniform hex), so reproducible."""
    return int(digest[:8], 16) < share * 16**8


class CoveragePolicy:
    """Owned by the generation thread: decides per candidate, in the order made."""

    def __init__(self, name: str, enabled: bool = True) -> None:
        if name not in POLICIES:
            raise ValueError(f"unknown coverage policy {name!r}")
        self.name = name
        self.enabled = enabled  # False: the campaign measures no coverage at all
        self.measured: Counter[str] = Counter()  # measured tests per token

    def remember(
        self, ops: Iterable[str], settings: Iterable[CompileSetting], measured: bool
    ) -> None:
        """A test already recorded (replayed on resume)."""
        if measured:
            self.measured.update(tokens_of(ops, settings))

    def wants(
        self, program: Program, settings: tuple[CompileSetting, ...], mutant: bool
    ) -> bool:
        """Should this candidate's coverage be measured? Counted as measured if so."""
        tokens = tokens_of(program.ops, settings)
        return self._count(tokens, self.enabled and self._decide(tokens, mutant, program.digest))

    def wants_order(
        self, ops: tuple[str, ...], settings: tuple[CompileSetting, ...], seed: int
    ) -> bool:
        """The same for a program a cluster's node will make: its operators are the
        heuristic's (the node's generator adds more), and the sample is drawn from the
        request's seed, since there is no program to draw it from yet."""
        tokens = tokens_of(ops, settings)
        digest = hashlib.sha256(str(seed).encode()).hexdigest()
        return self._count(tokens, self.enabled and self._decide(tokens, False, digest))

    def _count(self, tokens: set[str], measure: bool) -> bool:
        if measure:
            self.measured.update(tokens)
        return measure

    def _decide(self, tokens: set[str], mutant: bool, digest: str) -> bool:
        if self.name == "all" or mutant:
            return True
        if any(self.measured[token] < FIRST_MEASURED for token in tokens):
            return True
        return self.name == "sampled" and in_sample(digest)
