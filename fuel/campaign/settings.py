"""A campaign's settings: what ``fuel fuzz`` was asked, stored so that resume repeats it.

The settings are kept in ``meta.settings`` as JSON. ``--resume OUT`` rebuilds them
from there; only the fields in ``RESUMABLE`` (limits, workers, bug processing) may be
changed on the command line of a resume, because changing the generator, heuristic,
seed or compile options halfway would make one campaign out of two.
``generator_extra`` (e.g. the LLM's settings) is not stored: it may hold paths and
choices that belong to this machine, and the resume's command line supplies it again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from fuel.execute.records import CompileOptions

RESUMABLE = (
    "max_rounds",
    "time_limit_s",
    "jobs",
    "process_bugs",
    "timeout_s",
    "memory_mb",
    "known_issues",
)
# A quarter of the programs are mutations of corpus programs once the corpus has any:
# enough to dig around what added coverage, while fresh programs keep exploring.
MUTATE_SHARE = 0.25


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
    timeout_s: float = 60.0
    memory_mb: int = 4096
    known_issues: Path | None = None
    process_bugs: bool = True  # run the registered bug processors on each new bug
    mutate_share: float = MUTATE_SHARE
    generator_extra: dict[str, Any] = field(default_factory=dict)

    def to_stored(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.pop("out")
        data["generator_extra"] = sorted(self.generator_extra)  # names only, for the record
        data["options"] = asdict(self.options)
        data["known_issues"] = str(self.known_issues) if self.known_issues else None
        return data

    @classmethod
    def from_stored(cls, data: dict[str, Any], out: Path) -> CampaignSettings:
        known = {f.name for f in fields(cls)} - {"out", "generator_extra", "options"}
        values = {k: v for k, v in data.items() if k in known}
        option_names = {f.name for f in fields(CompileOptions)}
        options = CompileOptions(
            **{k: v for k, v in data.get("options", {}).items() if k in option_names}
        )
        if values.get("known_issues"):
            values["known_issues"] = Path(values["known_issues"])
        return cls(out=out, options=options, **values)

    def resumed_with(self, changes: dict[str, Any]) -> CampaignSettings:
        """These settings with the command line's changes that a resume may make."""
        allowed = {k: v for k, v in changes.items() if k in RESUMABLE or k == "generator_extra"}
        return replace(self, **allowed)
