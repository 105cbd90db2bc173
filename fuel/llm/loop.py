"""The LLM generator: generation, analysis and repair models around one client.

Each round, the analysis of the last program this generator wrote (if any) is asked
first, and its summary goes into the generation prompt with the last program of its
that ran in eager: shown an invalid one, SmolLM2 copied it, error and all, round
after round.
A reply that does not load (no ``Model``, a syntax error) goes to repair like any
invalid program: a repair request shows it with the loader's reason, up to
``max_repairs`` per program, counted by the same :class:`RepairTracker`. A repair
answer that is the broken program again ends that program's repair at once: a model
that repeats itself will repeat itself for the next attempt too. Nothing the model
writes runs here. Each request asks for as many tokens as a program needs
(:meth:`PromptBook.answer_tokens`), not the preset's whole limit.

When the endpoint stays down after every retry, the round is served by the fallback
generator (the built-in one, created only then) and the status says so; every
``probe_every`` fallback programs, one round tries the endpoint again with a single
attempt, and the generator returns to the model as soon as it answers. When the next
request could pass the budget, ``BudgetExhausted`` stops the campaign.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import click

from fuel import serial
from fuel.errors import Rejected, UsageError
from fuel.feedback.record import Feedback
from fuel.generate.base import GenerationRequest, Generator, GeneratorStatus
from fuel.judge.verdict import Verdict
from fuel.llm.cache import ResponseCache
from fuel.llm.client import ChatClient
from fuel.llm.config import ResolvedConfig, Role
from fuel.llm.errors import BudgetExhausted, EndpointDown, RequestFailed, RequestRefused
from fuel.llm.extract import NoProgram, extract, same_program
from fuel.llm.ledger import CostReport, Ledger
from fuel.llm.operators import OperatorBook
from fuel.llm.prompts import ANSWER_END, Messages, PromptBook, eager_error, summary_of
from fuel.llm.repair import NOT_VALID, RepairTracker, needs_repair
from fuel.llm.settings import LLMSettings
from fuel.llm.status import LLMStatus, Mode
from fuel.program.record import Program

SUMMARY_CHARS = 1200  # an analysis longer than this is clipped before it steers
REASON_CHARS = 80  # rejection reasons are grouped by their first characters
REPAIR_SUFFIX = re.compile(r"-r\d+$")
REPEATED = "the repair repeated the broken program"


class LLMGenerator(Generator):
    name = "llm"

    def __init__(
        self,
        config: ResolvedConfig,
        settings: LLMSettings,
        *,
        fallback: Callable[[], Generator] | None = None,
        cache: ResponseCache | None = None,
        prompts: PromptBook | None = None,
        operators: OperatorBook | None = None,
        echo: Callable[[str], None] = click.echo,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``operators``: the catalog's (requests then carry operators); None: none."""
        self.config = config
        self.settings = settings
        self.ledger = Ledger(settings.budget_usd)
        self.client = ChatClient(config, self.ledger, cache, sleep=sleep)
        self.book = operators
        calls = operators.call if operators else None
        self.prompts = prompts or PromptBook(settings.prompt_dir or config.prompt_dir, calls)
        self.tracker = RepairTracker(settings.max_repairs)
        self.max_repairs = settings.max_repairs  # K: attempts per invalid program
        self._fallback_factory = fallback
        self._fallback: Generator | None = None
        self._echo = echo
        self._mode = Mode.DRY_RUN if settings.dry_run else Mode.LLM
        self._message = "dry run: prompts printed, nothing sent" if settings.dry_run else ""
        self._lock = threading.Lock()
        self._round = 0
        self._summary = ""
        self._steered = 0  # generation prompts that carried an analysis summary
        self._previous = ""
        self._pending: Feedback | None = None
        self._mine: set[str] = set()  # digests of the programs whose analysis we want
        self._since_down = 0
        self._n_llm = 0
        self._n_fallback = 0
        self._rejected = 0
        self._reasons: Counter[str] = Counter()  # rejection reason -> replies

    # --- the Generator protocol -------------------------------------------------------

    def generate(self, request: GenerationRequest) -> Program:
        with self._lock:
            self._round += 1
            round_ = self._round
        if self._mode is Mode.STOPPED:
            raise BudgetExhausted(self.ledger.spent_usd, self.settings.budget_usd or 0.0)
        if self._mode is Mode.DRY_RUN:
            return self._dry_run(request, round_)
        probing = self._mode is Mode.FALLBACK
        if probing and self._since_down < self.settings.probe_every:
            return self._from_fallback(request)
        try:
            self._analyse_pending(round_, retries=0 if probing else None)
            program = self._write(request, round_, retries=0 if probing else None)
        except EndpointDown as down:
            self._go_down(down.reason)
            return self._from_fallback(request)
        except BudgetExhausted as spent:
            self._stop(spent)
            raise
        if probing:
            self._mode, self._message = Mode.LLM, f"endpoint answers again since round {round_}"
        return program

    def observe(self, feedback: Feedback) -> None:
        self.tracker.observed(feedback.program, feedback.verdict)
        mine = feedback.program.digest in self._mine
        if mine and feedback.verdict.outcome not in NOT_VALID:
            self._previous = feedback.program.source  # only a valid one is shown again
        if self._fallback is not None and feedback.program.origin != "llm":
            self._fallback.observe(feedback)
        if self.settings.analyse and mine:
            self._pending = feedback

    def repair(self, program: Program, verdict: Verdict) -> Program | None:
        """A repaired ``program``, or None: not invalid, attempts used, or nothing usable."""
        if not needs_repair(verdict) or self._mode in (Mode.FALLBACK, Mode.STOPPED):
            return None
        error = eager_error(verdict)
        if self._mode is Mode.DRY_RUN:
            messages = self.prompts.repair(program.source, error, "eager")
            self._show(messages, self._round, Role.REPAIR)
            return None
        try:
            return self._fix(program, error, "eager", self._round, None)
        except EndpointDown as down:
            self._go_down(down.reason)
            return None
        except BudgetExhausted as spent:
            self._stop(spent)
            raise

    def operators(self) -> tuple[str, ...]:
        """The catalog's names, or the preset's choice of them (unknown names: one line)."""
        if self.book is None:
            return ()
        known = self.book.names()
        chosen = self.config.operators
        if chosen is None:
            return known
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise UsageError(
                f"preset {self.config.preset!r}: operators not in the catalog: {', '.join(unknown)}"
            )
        return chosen

    # --- hooks for the campaign -------------------------------------------------------

    def preflight(self) -> None:
        """One line and exit code 2 for a bad key, unknown model or unreachable host."""
        if self._mode is not Mode.DRY_RUN:
            self.client.preflight()

    @property
    def should_stop(self) -> bool:
        return self._mode is Mode.STOPPED

    def status(self) -> GeneratorStatus:
        status = self.llm_status()
        return GeneratorStatus(status.line(), status.cost_usd, serial.dumps(status))

    def cost_report(self) -> str:
        return serial.dumps(self.costs())

    def llm_status(self) -> LLMStatus:
        cache = self.client.cache
        return LLMStatus(
            mode=self._mode,
            model=self.config.generation.model,
            message=self._message,
            rounds=self._round,
            from_llm=self._n_llm,
            from_fallback=self._n_fallback,
            rejected_replies=self._rejected,
            rejection_reasons=tuple(self._reasons.most_common()),
            repairs=self.tracker.stats(),
            endpoint_failures=tuple(sorted(self.client.failures.items())),
            cost_usd=self.ledger.spent_usd,
            budget_usd=self.ledger.budget_usd,
            cache_hits=cache.hits if cache else 0,
            tokens_per_s=self.client.speed.tokens_per_s,
            steered=self._steered,
            usage_estimated=self.client.usage_estimated,
        )

    def costs(self) -> CostReport:
        return self.ledger.report()

    # --- the rounds -------------------------------------------------------------------

    def _write(self, request: GenerationRequest, round_: int, retries: int | None) -> Program:
        template = Program(
            source="", name=f"llm-{request.seed}", seed=request.seed, ops=request.ops, origin="llm"
        )
        messages = self.prompts.generation(request.ops, request.seed, self._summary, self._previous)
        self._steered += bool(self._summary)
        try:
            program = self._ask(Role.GENERATE, messages, template, round_, retries)
        except NoProgram as bad:
            self._reject(bad.reason)
            broken = replace(template, source=bad.shown)
            fixed = self._fix(broken, bad.reason, "load", round_, retries) if bad.shown else None
            if fixed is None:
                raise Rejected(f"no usable program after repair: {bad.reason}") from None
            program = fixed
        with self._lock:
            self._n_llm += 1
        self._mine.add(program.digest)
        return program

    def _ask(
        self,
        role: Role,
        messages: Messages,
        template: Program,
        round_: int,
        retries: int | None,
        broken: str = "",
    ) -> Program:
        """One request and the program in its answer; ``NoProgram`` when none loads,
        ``Rejected`` when this request only was refused or failed."""
        tokens = self.prompts.answer_tokens(broken)
        request = self.client.request(role, messages, tokens, ANSWER_END)
        try:
            reply = self.client.complete(role, request, round_, retries)
        except RequestRefused as refused:
            if refused.fatal:
                raise
            raise Rejected(str(refused)) from None
        except RequestFailed as failed:
            raise Rejected(failed.reason) from None
        return extract(reply.content, template).program

    def _fix(
        self, broken: Program, error: str, stage: str, round_: int, retries: int | None
    ) -> Program | None:
        """Repair requests for ``broken`` until an answer loads (returned), the model
        repeats the broken program, or its root's ``max_repairs`` attempts are used.

        An answer that does not load is the next program to repair, shown with the
        loader's reason (stage "load"); ``stage`` is "eager" for a program that loaded
        but failed when run.
        """
        while self.tracker.begin(broken):
            attempt = self.tracker.attempts_used(broken) + 1
            name = f"{REPAIR_SUFFIX.sub('', broken.name)}-r{attempt}"
            template = replace(broken, source="", name=name, origin="llm", recipe="")
            messages = self.prompts.repair(broken.source, error, stage)
            try:
                repaired = self._ask(
                    Role.REPAIR, messages, template, round_, retries, broken.source
                )
            except NoProgram as bad:
                if not bad.shown:
                    self._give_up(broken, bad.reason)
                    return None
                if same_program(bad.shown, broken.source):
                    self._give_up(broken, REPEATED)
                    return None
                self._reject(bad.reason)
                following = replace(template, source=bad.shown)
                self.tracker.made(broken, following)
                broken, error, stage = following, bad.reason, "load"
                continue
            except Rejected as rejected:
                self._give_up(broken, rejected.reason)
                return None
            if same_program(repaired.source, broken.source):
                self._give_up(broken, REPEATED)
                return None
            self.tracker.made(broken, repaired)
            self._mine.add(repaired.digest)
            return repaired
        return None

    def _give_up(self, broken: Program, reason: str) -> None:
        self._reject(reason)
        self.tracker.failed(broken)

    def _analyse_pending(self, round_: int, retries: int | None) -> None:
        feedback, self._pending = self._pending, None
        if feedback is None:
            return
        messages = self.prompts.analysis(feedback)
        try:
            reply = self.client.complete(
                Role.ANALYSE, self.client.request(Role.ANALYSE, messages), round_, retries
            )
        except RequestRefused as refused:
            if refused.fatal:
                raise
            return  # this analysis only: the round goes on without a summary
        except RequestFailed:
            return
        self._summary = summary_of(reply.content, SUMMARY_CHARS)

    def _dry_run(self, request: GenerationRequest, round_: int) -> Program:
        feedback, self._pending = self._pending, None
        if feedback is not None:
            self._show(self.prompts.analysis(feedback), round_, Role.ANALYSE)
        messages = self.prompts.generation(request.ops, request.seed, "", self._previous)
        self._show(messages, round_, Role.GENERATE)
        program = self._from_fallback(request)
        self._previous = program.source
        self._mine.add(program.digest)
        return program

    def _show(self, messages: Messages, round_: int, role: Role) -> None:
        model = self.config.role(role).model
        lines = [f"===== dry run: round {round_}, {role.value}, model {model} ====="]
        for speaker, content in messages:
            lines += [f"----- {speaker} -----", content.rstrip()]
        self._echo("\n".join(lines))

    def _from_fallback(self, request: GenerationRequest) -> Program:
        with self._lock:
            self._since_down += 1
        if self._fallback is None:
            if self._fallback_factory is None:
                raise Rejected(f"no fallback generator ({self._message or 'none configured'})")
            try:
                self._fallback = self._fallback_factory()
            except Exception as exc:  # the built-in generator may not exist in this build
                raise Rejected(f"fallback generator unavailable: {exc}") from None
        program = self._fallback.generate(request)
        with self._lock:
            self._n_fallback += 1
        return program

    def _go_down(self, reason: str) -> None:
        with self._lock:
            self._since_down = 0
            self._pending = None
            if self._mode is not Mode.FALLBACK:
                self._mode = Mode.FALLBACK
            self._message = f"LLM endpoint down ({reason}); using the built-in generator"

    def _stop(self, spent: BudgetExhausted) -> None:
        self._mode, self._message = Mode.STOPPED, str(spent)

    def _reject(self, reason: str) -> None:
        key = re.sub(r"\(line \d+\)|line \d+", "", reason).strip()[:REASON_CHARS]
        with self._lock:
            self._rejected += 1
            self._reasons[key] += 1
