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
``new``     a test whose key (its operators and its setting tokens) no earlier test
            of the campaign had, and every mutant of a corpus program
``sampled`` what ``new`` measures, and ``SAMPLE_SHARE`` of the rest
=========== ======================================================================

Mutants are measured under every policy because a mutant exists to find coverage
next to a corpus program, and only a measured test can join the corpus on new lines.
The sample is drawn from the program's digest, not a random stream: the choice is
the same on a rerun and does not shift the generator's draws.

A test that is not measured is recorded as such (``tests.coverage_measured``), and
neither FASA nor its replay on ``--resume`` learns "no new lines" from it (see
:mod:`fuel.feedback.fasa`). The campaign's covered-lines figure counts measured tests
only: under ``new`` or ``sampled`` it is a lower bound of what the campaign reached.
"""

from __future__ import annotations

from collections.abc import Iterable

from fuel.program.record import Program

POLICIES = ("all", "new", "sampled")
# The default: measured on this 2-core machine, coverage costs about 1.4x of a test's
# compile (bench/coverage_cost.py, issue 14), and "sampled" still refreshes each
# operator's gain every few uses while paying for a minority of the tests.
DEFAULT_POLICY = "sampled"
# Of the tests whose key was seen before, one in four is measured: FASA averages an
# operator's gain over its last ~5 measured uses (fasa.OPERATOR_DECAY), so a gain
# still follows an operator whose programs keep recurring in known combinations,
# while three quarters of those repeats compile at full speed.
SAMPLE_SHARE = 0.25

Key = tuple[tuple[str, ...], tuple[str, ...]]


def key_of(ops: Iterable[str], settings: Iterable[str]) -> Key:
    """What a test combines: its operators and its setting tokens, each sorted."""
    return tuple(sorted(set(ops))), tuple(sorted(set(settings)))


def sampled(program: Program, share: float = SAMPLE_SHARE) -> bool:
    """In the sample? Decided by the program's digest (uniform hex), so reproducible."""
    return int(program.digest[:8], 16) < share * 16**8


class CoveragePolicy:
    """Owned by the generation thread: decides per candidate, in the order made."""

    def __init__(self, name: str, enabled: bool = True) -> None:
        if name not in POLICIES:
            raise ValueError(f"unknown coverage policy {name!r}")
        self.name = name
        self.enabled = enabled  # False: the campaign measures no coverage at all
        self._seen: set[Key] = set()

    def remember(self, ops: Iterable[str], settings: Iterable[str]) -> None:
        """A test already recorded (replayed on resume): its key is no longer new."""
        self._seen.add(key_of(ops, settings))

    def wants(self, program: Program, settings: tuple[str, ...], mutant: bool) -> bool:
        """Should this candidate's coverage be measured? Its key is remembered."""
        key = key_of(program.ops, settings)
        new = key not in self._seen
        self._seen.add(key)
        if not self.enabled:
            return False
        if self.name == "all" or mutant or new:
            return True
        return self.name == "sampled" and sampled(program)
