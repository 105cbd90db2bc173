"""What a campaign shows while it runs, and the summary it ends with.

Three displays, chosen by ``fuel fuzz``: a live rich panel on a terminal, one line per
test for logs (``--log``, or when stdout is not a terminal), and nothing (``--quiet``).
All three read the same :class:`~fuel.store.Summary`, computed from the database, which
``fuel status`` prints as well.
"""

from __future__ import annotations

import time
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fuel.campaign.events import RoundDone
from fuel.store import Summary
from fuel.store.seen import is_seen

REFRESH_S = 0.5  # the live panel redraws at most twice a second
LOG_STATUS_EVERY_S = 60.0  # log mode adds a totals line once a minute


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def bug_line(summary: Summary) -> str:
    kinds = " · ".join(f"{k.kind} {k.unique}/{k.total}" for k in summary.by_kind)
    known = (f" · known issues {summary.bugs_known} ({summary.classes_known} root causes)"
             if summary.bugs_known else "")  # fmt: skip
    if summary.bugs_seen:
        known += f" · seen before {summary.bugs_seen} ({summary.classes_seen} root causes)"
    if summary.classes_fixed_upstream:
        known += f" · fixed upstream {summary.classes_fixed_upstream} root causes"
    text = (f"{summary.bugs_unique} root causes ({summary.signatures} signatures) / "
            f"{summary.bugs_total} total")  # fmt: skip
    return f"{text}  ({kinds}{known})" if kinds or known else text


def eager_bug_line(summary: Summary) -> str:
    """Eager's own bugs (eager wrong, compiled right), apart from the compile bugs."""
    kinds = " · ".join(f"{k.kind} {k.unique}/{k.total}" for k in summary.eager_bugs)
    return (f"{summary.eager_bugs_unique} root causes / {summary.eager_bugs_total} total  "
            f"({kinds}; eager wrong where compiled was right: not compile bugs)")  # fmt: skip


def coverage_words(summary: Summary) -> str:
    """The coverage policy and how many tests it measured: "coverage sampled, 34 %"."""
    if not summary.coverage:
        return "coverage off"
    share = summary.measured / summary.tests if summary.tests else 0.0
    return f"coverage {summary.coverage_policy or 'all'}, {100 * share:.0f} % measured"


def worker_time_line(summary: Summary) -> str:
    """Worker-seconds fuzzing and reducing (repros' interpreters too), and bug
    processing's share of them."""
    seconds = summary.worker_seconds
    repros = f" · repro runs {seconds.confirming:,.0f} s" if seconds.confirming else ""
    return (f"fuzzing {seconds.fuzzing:,.0f} s · reducing {seconds.reducing:,.0f} s{repros} "
            f"({100 * seconds.reducing_share:.0f} % reducing)")  # fmt: skip


def summary_rows(summary: Summary, remaining: str = "") -> list[tuple[str, str]]:
    state = "running" if summary.running else (summary.stop_reason or "killed")
    elapsed = clock(summary.elapsed_s) + (f"   remaining {remaining}" if remaining else "")
    rows = [
        (
            "campaign",
            f"{summary.out}  ({state}; generator {summary.generator}, heuristic "
            f"{summary.heuristic}, {coverage_words(summary)})",
        ),
        ("elapsed", elapsed),
        (
            "tests",
            f"{summary.tests}  ({summary.tests_per_minute:.1f}/min this run; "
            f"{summary.runs} run(s))",
        ),
        (
            "valid",
            f"{100 * summary.valid_share:.1f} %  (pass {summary.passed} · invalid "
            f"{summary.invalid} · skipped {summary.skipped} · rejected {summary.rejected})",
        ),
        ("bugs", bug_line(summary)),
        *([("eager bugs", eager_bug_line(summary))] if summary.eager_bugs else []),
        ("covered lines", f"{summary.covered_lines:,}  (corpus {summary.corpus} programs)"),
        ("worker time", worker_time_line(summary)),
        ("operators", ", ".join(summary.last_ops) or "-"),
    ]
    if set(summary.targets_used) - {"compile"}:  # more than torch.compile was tested
        rows.append(("targets", target_line(summary)))
    if summary.cluster is not None:
        rows.append(("cluster", summary.cluster.line))
    if summary.spent_usd is not None:
        rows.append(("spent", f"${summary.spent_usd:.4f} by the generator (LLM)"))
    if summary.fuel_errors:
        rows.append(("fuel errors", f"{summary.fuel_errors} test(s) skipped because fuel's own "
                     f"code failed (tracebacks in {summary.out}/fuel-errors.log)"))
    return rows


def target_line(summary: Summary) -> str:
    """Tests per target, with what export's trace refused: by design, or as a lead."""
    parts = []
    for name, counts in summary.targets_used.items():
        refused = counts["refused"] + counts["leads"]
        more = f" (trace refused {refused}: {counts['leads']} lead(s))" if refused else ""
        parts.append(f"{name} {counts['tests']}{more}")
    return " · ".join(parts)


def render_summary(summary: Summary) -> str:
    """The plain-text summary: ``fuel fuzz``'s last words and ``fuel status``'s output."""
    return "\n".join(f"{name:14} {value}" for name, value in summary_rows(summary))


class QuietDisplay:
    def note(self, text: str) -> None:
        pass

    def limits(self, time_limit_s: float | None, max_rounds: int | None) -> None:
        pass

    def tested(self, event: RoundDone) -> None:
        pass

    def wants_refresh(self) -> bool:
        return False

    def refresh(self, summary: Summary, generator: str = "") -> None:
        pass

    def close(self) -> None:
        pass


class LineDisplay(QuietDisplay):
    """One line per test, and a totals line each minute: for CI logs and pipes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last_status = time.monotonic()

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def note(self, text: str) -> None:
        self._print(f"fuel: {text}")

    def tested(self, event: RoundDone) -> None:
        self._print(log_line(event))

    def wants_refresh(self) -> bool:
        return time.monotonic() - self._last_status >= LOG_STATUS_EVERY_S

    def refresh(self, summary: Summary, generator: str = "") -> None:
        self._last_status = time.monotonic()
        if generator:
            self._print(f"fuel: generator: {generator}")
        self._print(
            f"[{clock(summary.elapsed_s)}] {summary.tests} tests "
            f"({summary.tests_per_minute:.1f}/min), valid "
            f"{100 * summary.valid_share:.1f} %, bugs {summary.bugs_unique}/"
            f"{summary.bugs_total}{_eager_words(summary)}, covered lines "
            f"{summary.covered_lines:,}; worker time "
            f"{worker_time_line(summary)}"
        )
        if summary.cluster is not None:
            self._print(f"fuel: cluster: {summary.cluster.line}")


def _eager_words(summary: Summary) -> str:
    if not summary.eager_bugs:
        return ""
    return f", eager bugs {summary.eager_bugs_unique}/{summary.eager_bugs_total}"


def log_line(event: RoundDone) -> str:
    verdict = event.verdict
    label = "EAGER BUG" if verdict.is_eager_bug else verdict.outcome.value.upper()
    if verdict.kind is not None and verdict.is_bug:
        label += f" {verdict.kind.value}"
    if event.new_bug:
        label += " NEW"
    elif event.known:
        label += " seen" if is_seen(event.known) else " known"
    program = event.candidate.program
    ops = ",".join(program.ops) or "-"
    chosen = ",".join(setting.text for setting in event.candidate.settings)
    settings = f" settings={chosen}" if chosen else ""
    lines = f"+{event.new_lines} lines" if event.measured else "not measured"
    return (
        f"#{event.recorded.test_id:<6} {label:28} {program.origin:9} ops={ops}{settings} "
        f"{lines} ({event.recorded.covered_lines:,})"
    )


class LiveDisplay(QuietDisplay):
    """A rich panel redrawn in place, with the latest bugs under it."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.time_limit_s: float | None = None
        self.max_rounds: int | None = None
        self._last = 0.0
        self._summary: Summary | None = None
        self._generator = ""
        self._notes: list[str] = []
        self._bugs: list[str] = []
        self._live = Live(
            Text("fuel: starting..."), console=console, auto_refresh=False, transient=False
        )
        self._live.start()

    def note(self, text: str) -> None:
        self._notes = [*self._notes, text][-2:]
        self._draw()

    def limits(self, time_limit_s: float | None, max_rounds: int | None) -> None:
        self.time_limit_s, self.max_rounds = time_limit_s, max_rounds

    def tested(self, event: RoundDone) -> None:
        if event.new_bug:
            self._bugs = [*self._bugs, log_line(event)][-3:]

    def wants_refresh(self) -> bool:
        return time.monotonic() - self._last >= REFRESH_S

    def refresh(self, summary: Summary, generator: str = "") -> None:
        self._last = time.monotonic()
        self._summary = summary
        self._generator = generator
        self._draw()

    def remaining(self, summary: Summary) -> str:
        parts = []
        if self.time_limit_s is not None:
            parts.append(clock(self.time_limit_s - summary.elapsed_s))
        if self.max_rounds is not None:
            parts.append(f"{max(0, self.max_rounds - summary.tests)} tests")
        return " or ".join(parts)

    def _draw(self) -> None:
        parts: list[Text | Panel] = [Text(f"fuel: {n}", style="dim") for n in self._notes]
        if self._summary is not None:
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold")
            table.add_column()
            for name, value in summary_rows(self._summary, self.remaining(self._summary)):
                table.add_row(name, value)
            if self._generator:
                table.add_row("generator", self._generator)
            parts.append(Panel(table, title="fuel fuzz", expand=False))
        parts.extend(Text(line, style="red") for line in self._bugs)
        self._live.update(Group(*parts), refresh=True)

    def close(self) -> None:
        self._live.stop()
