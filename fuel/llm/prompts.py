"""The prompts, rendered from Jinja2 templates in ``fuel/llm/templates``.

Users change the wording by pointing ``prompt_dir`` at a folder of same-named ``.j2``
files (and a ``shots.yaml``); anything not overridden comes from the package. A
generation or repair request opens with the few-shot exchanges of :mod:`fuel.llm.shots`,
rendered by the same templates as the request itself. Operators are named as a program
writes them (``torch.nn.functional.gelu``, not the catalog's ``nn.functional.gelu``)
through the ``calls`` seam. Every prompt is a pure function
of the campaign seed, the operators and earlier replies and verdicts. Temporary paths,
memory addresses and install locations are scrubbed from error texts, because one
byte of difference would miss the response cache on a re-run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from fuel.errors import UsageError
from fuel.feedback.record import Feedback
from fuel.judge.verdict import Verdict
from fuel.llm.ledger import CHARS_PER_TOKEN_ESTIMATE
from fuel.llm.shots import Shots, fenced, load_shots

TEMPLATES = Path(__file__).parent / "templates"
NAMES = ("generate_system", "generate", "repair", "analyse_system", "analyse")
Messages = tuple[tuple[str, str], ...]

SOURCE_CHARS = 4000  # a program longer than this is clipped in prompts
MESSAGE_CHARS = 600  # an exception message
DETAIL_CHARS = 300
FRAMES = 6  # the innermost compiler frames an analysis sees
COVERAGE_FILES = 8  # files listed with their new lines; the rest are counted

# Different rounds ask for different things, chosen by the round's seed.
ANGLES = (
    "use a non-contiguous input (a transpose, a slice with a step, or an expand)",
    "mix dtypes: include an integer, bool or float16/bfloat16 tensor and explicit casts",
    "include a size-1 or zero-size dimension and broadcasting against it",
    "update a tensor in place (an add_, a masked_fill_, an index_copy_) inside forward",
    "reduce over a chosen dimension with keepdim and use the result against the input",
    "branch in Python on a tensor's shape or dtype",
    "chain views (view, reshape, permute, unsqueeze, narrow) before the main computation",
    "use a small nn layer (Conv, Linear, norm, pooling) with unusual parameters",
    "return several outputs, one of them a view of an input",
    "use indexing: boolean masks, advanced indexing, gather, index_select or take",
    "make the shapes odd (primes such as 3, 5, 7, 13) so that no vector width divides them",
    "use a reduction-heavy pattern: softmax, logsumexp, cumsum, var or norm",
)
ANGLES_PER_ROUND = 2
SUMMARY_SENTENCES = 8  # the analysis is asked for five short lines; more is repetition
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")

# What an answer may need: a program up to ANSWER_ROOM times the longest example's
# size (or 1.5 times the program under repair), and never under MIN_ANSWER_TOKENS. A
# small model that loops (it repeats a helper until stopped) then burns seconds, not
# minutes; a preset's max_tokens still caps it.
ANSWER_ROOM = 3.0
REPAIR_ROOM = 1.5
MIN_ANSWER_TOKENS = 200
# Where an answer ends: the fence closing the program's block. SmolLM2 went on after
# its program with prose or a copy of the analysis until max_tokens; those tokens cost
# seconds on a CPU and never change the program. An opening fence carries a language
# ("```python"), so only a closing one matches.
ANSWER_END = ("\n```\n",)

TEMP_PATH = re.compile(r"(?:/tmp|/var/tmp|/var/folders|/private/var|/dev/shm)/[^\s'\":,)\]]*")
INSTALL_PREFIX = re.compile(r"[^\s'\"(]*/(?:site-packages|dist-packages)/")
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
PROCESS = re.compile(r"\b(pid|process) \d+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class VerdictView:
    """A verdict reduced to what a prompt shows, already trimmed and scrubbed."""

    outcome: str
    kind: str
    stage: str
    detail: str
    exception: str
    frames: tuple[str, ...]
    numeric: str


class PromptBook:
    def __init__(
        self, override_dir: Path | None = None, calls: Callable[[str], str] | None = None
    ) -> None:
        """``calls``: an operator name -> how a program calls it (default: the name)."""
        folders = [override_dir] if override_dir else []
        self.shots: Shots = load_shots([*folders, TEMPLATES])
        self._calls = calls or (lambda name: name)
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([*map(str, folders), str(TEMPLATES)]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        try:
            self._templates = {name: self._env.get_template(f"{name}.j2") for name in NAMES}
        except jinja2.TemplateSyntaxError as exc:
            where = f"{exc.filename or exc.name}, line {exc.lineno}"
            raise UsageError(f"prompt template {where}: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise UsageError(f"prompt template: {exc.__class__.__name__}: {exc}") from None

    def _render(self, name: str, **values: object) -> str:
        try:
            text = self._templates[name].render(**values)
        except jinja2.TemplateError as exc:
            raise UsageError(f"prompt template {name}.j2: {exc}") from None
        return text.strip() + "\n"

    def generation(self, ops: tuple[str, ...], seed: int, summary: str, previous: str) -> Messages:
        angles = random.Random(seed).sample(ANGLES, ANGLES_PER_ROUND)
        shots: list[tuple[str, str]] = []
        for shot in self.shots.generate:
            asked = self._render(
                "generate", ops=shot.ops, seed=shot.seed, angles=shot.angles, summary="",
                previous="",
            )  # fmt: skip
            shots += [("user", asked), ("assistant", fenced(shot.program))]
        user = self._render(
            "generate", ops=tuple(map(self._calls, ops)), seed=seed, angles=angles,
            summary=summary.strip(), previous=clip(previous, SOURCE_CHARS).strip(),
        )  # fmt: skip
        return (("system", self._render("generate_system")), *shots, ("user", user))

    def repair(self, source: str, error: str, stage: str) -> Messages:
        """``stage``: "load" (refused by the loader) or "eager" (raised when run)."""
        shots: list[tuple[str, str]] = []
        for shot in self.shots.repair:
            asked = self._render(
                "repair", source=shot.source.strip(), error=shot.error, stage=shot.stage
            )
            shots += [("user", asked), ("assistant", fenced(shot.program))]
        user = self._render(
            "repair", source=clip(source, SOURCE_CHARS).strip(), error=scrub(error), stage=stage
        )
        return (("system", self._render("generate_system")), *shots, ("user", user))

    def answer_tokens(self, broken: str = "") -> int:
        """The tokens an answer holding one program needs (``broken``: under repair)."""
        longest = max((len(shot.program) for shot in self.shots.generate), default=1000)
        chars = max(ANSWER_ROOM * longest, REPAIR_ROOM * len(broken))
        return max(MIN_ANSWER_TOKENS, int(chars / CHARS_PER_TOKEN_ESTIMATE))

    def analysis(self, feedback: Feedback) -> Messages:
        files = sorted(feedback.new_lines_by_file, key=lambda item: (-item[1], item[0]))
        user = self._render(
            "analyse",
            ops=feedback.program.ops,
            source=clip(feedback.program.source, SOURCE_CHARS).strip(),
            verdict=view(feedback.verdict),
            new_bug=feedback.new_bug,
            new_lines=feedback.new_lines,
            measured=feedback.measured,
            files=files[:COVERAGE_FILES],
            more_files=max(0, len(files) - COVERAGE_FILES),
        )
        return (("system", self._render("analyse_system")), ("user", user))


def view(verdict: Verdict) -> VerdictView:
    crash, numeric = verdict.crash, verdict.numeric
    exception = ""
    if crash is not None:
        exception = f"{crash.exc_type}: {clip(scrub(crash.message), MESSAGE_CHARS)}"
        if crash.signal is not None:
            exception += f" (signal {crash.signal})"
    numbers = ""
    if numeric is not None:
        numbers = (
            f"{numeric.where} {numeric.dtype}{list(numeric.shape)}: "
            f"max abs diff {numeric.max_abs_diff:.3g}, max rel diff {numeric.max_rel_diff:.3g}, "
            f"{numeric.mismatched}/{numeric.total} elements differ"
        )
        if numeric.eager_fp64_error is not None and numeric.compiled_fp64_error is not None:
            numbers += (
                f"; error against float64: eager {numeric.eager_fp64_error:.3g}, "
                f"compiled {numeric.compiled_fp64_error:.3g}"
            )
    return VerdictView(
        outcome=verdict.outcome.value,
        kind=verdict.kind.value if verdict.kind else "",
        stage=verdict.stage.value if verdict.stage else "",
        detail=clip(scrub(verdict.detail), DETAIL_CHARS),
        exception=exception,
        frames=tuple(scrub(f) for f in (crash.frames[-FRAMES:] if crash else ())),
        numeric=numbers,
    )


def eager_error(verdict: Verdict) -> str:
    """What a repair prompt shows of an invalid verdict: the error, trimmed and scrubbed."""
    shown = view(verdict)
    parts = [shown.detail] if shown.detail else []
    if shown.exception and shown.exception not in shown.detail:
        parts.append(shown.exception)
    return "\n".join(parts) or verdict.outcome.value


def summary_of(analysis: str, limit: int) -> str:
    """An analysis as it steers the next prompt: its distinct sentences, a few at most.

    SmolLM2 answered an analysis request with one sentence repeated until max_tokens
    (the last copy cut short), and then copied the repetition into the program it
    wrote next. A sentence already said, or the start of one, is dropped."""
    kept: list[str] = []
    seen: list[str] = []
    for sentence in SENTENCE_END.split(analysis.strip()):
        key = " ".join(sentence.split()).lower()
        if key and not any(said.startswith(key) for said in seen):
            seen.append(key)
            kept.append(sentence.strip())
    return clip("\n".join(kept[:SUMMARY_SENTENCES]), limit)


def scrub(text: str) -> str:
    text = TEMP_PATH.sub("<tmp>", text)
    text = INSTALL_PREFIX.sub("", text)
    text = ADDRESS.sub("0x…", text)
    return PROCESS.sub(r"\1 N", text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, keeping its head and its tail."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 2 // 3], text[-(limit // 3) :]
    return f"{head}\n… [{len(text) - len(head) - len(tail)} characters cut] …\n{tail}"
