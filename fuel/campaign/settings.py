"""A campaign's settings: what ``fuel fuzz`` was asked, stored so that resume repeats it.

The settings are kept in ``meta.settings`` as JSON (:mod:`fuel.serial`). ``--resume
OUT`` rebuilds them from there; only the fields in ``RESUMABLE`` (limits, workers, bug
processing) may be changed on the command line of a resume, because changing the
generator, heuristic, seed or compile options halfway would make one campaign out of
two. ``generator_options`` (e.g. the LLM's settings) are not stored, only their names:
they may hold paths and choices that belong to this machine, and the resume's command
line supplies them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fuel import serial
from fuel.campaign.measure import DEFAULT_POLICY
from fuel.execute.records import CompileOptions
from fuel.feedback.reward import DEFAULT_REWARD

RESUMABLE = (
    "max_rounds",
    "time_limit_s",
    "jobs",
    "process_bugs",
    "timeout_s",
    "memory_mb",
    "known_issues",
    "seen",
    "coverage_policy",  # tests keep their own "measured" mark, so replay stays right
)
# A quarter of the programs are mutations of corpus programs once the corpus has any:
# enough to dig around what added coverage, while fresh programs keep exploring.
MUTATE_SHARE = 0.25
OPTIONS_KEY = "generator_extra"  # where the stored settings name the generator options
# Campaigns stored before the reward rule was a setting were rewarded the classic way.
STORED_WITHOUT_REWARD = "classic"


@dataclass(frozen=True, slots=True)
class CampaignSettings:
    out: Path
    generator: str = "builtin"
    heuristic: str = "fasa"
    seed: int = 0
    max_rounds: int | None = None  # tests over the whole campaign (all runs)
    time_limit_s: float | None = None  # campaign seconds over all runs
    jobs: int = 1
    options: CompileOptions = field(default_factory=CompileOptions)
    coverage: bool = True
    coverage_policy: str = DEFAULT_POLICY  # which tests are measured (fuel.campaign.measure)
    timeout_s: float = 60.0
    memory_mb: int = 4096
    known_issues: Path | None = None
    # Campaign directories whose bugs count as seen (``fuel.store.seen``): not new here.
    seen: tuple[Path, ...] = ()
    reward: str = DEFAULT_REWARD  # FASA's reward rule (fuel.feedback.reward)
    process_bugs: bool = True  # run the bug processors on each new bug
    mutate_share: float = MUTATE_SHARE
    # "default": every test with ``options``; "explore": each test with setting tokens
    # chosen by feedback (``fuel.feedback.settings``), but for the ``pinned`` families.
    settings_mode: str = "default"
    pinned: tuple[str, ...] = ()
    allow_unsafe: bool = False  # --allow-unsafe: no static check
    sandbox: bool = True  # --no-sandbox turns it off
    # Settings records of generator families (``GeneratorSettings.family_settings``).
    generator_options: tuple[object, ...] = field(default=(), metadata={"json": OPTIONS_KEY})

    def to_stored(self) -> dict[str, Any]:
        data: dict[str, Any] = serial.to_data(replace(self, generator_options=()))
        data.pop("out")
        data[OPTIONS_KEY] = sorted(type(o).__name__ for o in self.generator_options)
        return data

    @classmethod
    def from_stored(cls, data: dict[str, Any], out: Path) -> CampaignSettings:
        stored = {key: value for key, value in data.items() if key != OPTIONS_KEY}
        stored.setdefault("reward", STORED_WITHOUT_REWARD)
        return serial.from_data(cls, {**stored, "out": str(out)})

    def resumed_with(self, changes: dict[str, Any]) -> CampaignSettings:
        """These settings with the command line's changes that a resume may make."""
        allowed = {k: v for k, v in changes.items() if k in RESUMABLE or k == "generator_options"}
        return replace(self, **allowed)
