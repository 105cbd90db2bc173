"""One client for every OpenAI-compatible chat endpoint, on the official ``openai`` SDK.

The SDK's own retries are off (``max_retries=0``): this module retries itself, so it
can count failures, honour ``Retry-After``, back off exponentially with jitter, and
turn "still failing after every retry" into :class:`EndpointDown`, which the
generator answers by switching to its fallback. Answers that no retry can fix (a bad
key, an unknown model) become one-line ``RequestRefused`` errors instead. Every
request passes the cache first and the budget second; a semaphore bounds how many are
in flight at once.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import openai

from fuel.errors import FuelError
from fuel.llm.cache import ChatReply, ChatRequest, ResponseCache
from fuel.llm.config import ResolvedConfig, Role
from fuel.llm.errors import EndpointDown, RequestRefused
from fuel.llm.ledger import Ledger, charge_for

MAX_BACKOFF_S = 60.0  # one wait never exceeds a minute, whatever Retry-After says
RETRY_STATUS = frozenset({408, 409, 429})  # plus every 5xx
MESSAGE_CHARS = 200  # how much of a server's error message a one-line error keeps


class ChatClient:
    def __init__(
        self,
        config: ResolvedConfig,
        ledger: Ledger,
        cache: ResponseCache | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.cache = cache
        self.failures: Counter[str] = Counter()  # reason -> count, for the status line
        self.sent = 0
        self._sleep = sleep
        self._jitter = random.Random()  # spreads retries of parallel clients; not seeded
        endpoint = config.endpoint
        self._slots = threading.BoundedSemaphore(endpoint.concurrency)
        self._count_lock = threading.Lock()
        self._sdk = openai.OpenAI(
            api_key=endpoint.api_key,
            base_url=endpoint.base_url,
            timeout=endpoint.timeout_s,
            max_retries=0,
        )

    def request(self, role: Role, messages: Sequence[tuple[str, str]]) -> ChatRequest:
        spec = self.config.role(role)
        return ChatRequest(
            self.config.endpoint.base_url,
            spec.model,
            tuple(messages),
            spec.temperature,
            spec.max_tokens,
        )

    def complete(
        self, role: Role, request: ChatRequest, round_: int, retries: int | None = None
    ) -> ChatReply:
        """The reply to ``request``: from the cache, or sent once the budget admits it.

        ``retries`` overrides the endpoint's count (a probe of a down endpoint tries once).
        """
        spec = self.config.role(role)
        if self.cache is not None:
            hit = self.cache.get(request)
            if hit is not None:
                self.ledger.record(
                    charge_for(round_, role, spec, hit.prompt_tokens, hit.completion_tokens, True)
                )
                return hit
        self.ledger.admit(spec, request.prompt_chars)
        reply = self.send(request, self.config.endpoint.retries if retries is None else retries)
        self.ledger.record(
            charge_for(round_, role, spec, reply.prompt_tokens, reply.completion_tokens, False)
        )
        if self.cache is not None:
            self.cache.put(request, reply)
        return reply

    def preflight(self) -> None:
        """Check endpoint, key and both models with a one-token request each.

        Turns a bad key, an unknown model or an unreachable host into one line
        (``FuelError``) before the campaign starts any work.
        """
        checked: set[str] = set()
        for role in (Role.GENERATE, Role.ANALYSE):
            spec = self.config.role(role)
            if spec.model in checked:
                continue
            checked.add(spec.model)
            probe = ChatRequest(
                self.config.endpoint.base_url, spec.model, (("user", "Answer with: ok"),), 0.0, 1
            )
            try:
                reply = self.send(probe, min(1, self.config.endpoint.retries))
            except EndpointDown as down:
                raise FuelError(
                    f"LLM endpoint {self.config.endpoint.base_url} does not answer: {down.reason}"
                ) from None
            self.ledger.record(
                charge_for(0, Role.PREFLIGHT, spec, reply.prompt_tokens,
                           reply.completion_tokens, False)
            )  # fmt: skip

    def send(self, request: ChatRequest, retries: int) -> ChatReply:
        """Send, retrying transient failures ``retries`` times; raise ``EndpointDown``."""
        attempts = retries + 1
        for attempt in range(attempts):
            try:
                with self._slots:
                    with self._count_lock:
                        self.sent += 1
                    return self._send_once(request)
            except openai.APIStatusError as exc:
                if exc.status_code not in RETRY_STATUS and exc.status_code < 500:
                    raise self.refusal(exc, request) from None
                reason, wait = f"HTTP {exc.status_code}", retry_after(exc)
            except openai.APITimeoutError:
                reason, wait = "timeout", None
            except openai.APIConnectionError:
                reason, wait = "connection failed", None
            except MalformedReply as exc:
                reason, wait = f"malformed reply ({exc})", None
            with self._count_lock:
                self.failures[reason] += 1
            if attempt + 1 == attempts:
                raise EndpointDown(f"{reason} after {attempts} attempts")
            self._sleep(self.backoff(attempt, wait))
        raise AssertionError("unreachable")

    def backoff(self, attempt: int, retry_after_s: float | None) -> float:
        """Exponential backoff with jitter, never shorter than the server's Retry-After."""
        base = self.config.endpoint.backoff_s * (2**attempt)
        delay = base * self._jitter.uniform(0.5, 1.0)
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        return min(delay, MAX_BACKOFF_S)

    def _send_once(self, request: ChatRequest) -> ChatReply:
        messages: list[Any] = [{"role": r, "content": c} for r, c in request.messages]
        try:
            response = self._sdk.chat.completions.create(
                model=request.model,
                messages=messages,
                temperature=request.temperature,
                max_tokens=request.max_tokens,
            )
        except (ValueError, openai.APIResponseValidationError) as exc:  # 200, but not JSON
            raise MalformedReply(exc.__class__.__name__) from None
        choices = getattr(response, "choices", None)
        if not choices:
            raise MalformedReply("no choices")
        content = choices[0].message.content or ""
        usage = getattr(response, "usage", None)
        if usage is not None and usage.prompt_tokens is not None:
            prompt, completion = int(usage.prompt_tokens), int(usage.completion_tokens or 0)
        else:  # servers that report no usage: estimate, so the budget still moves
            prompt, completion = request.prompt_chars // 4, len(content) // 4
        return ChatReply(content, prompt, completion, str(choices[0].finish_reason or ""))

    def refusal(self, exc: openai.APIStatusError, request: ChatRequest) -> RequestRefused:
        url, status = self.config.endpoint.base_url, exc.status_code
        said = redact(server_message(exc), self.config.endpoint.api_key)
        if status == 401:
            source = self.config.endpoint.key_source
            return RequestRefused(
                f"LLM endpoint {url} refused the API key from {source} (401)", 401
            )
        if status == 403:
            return RequestRefused(f"LLM endpoint {url} denied access (403): {said}", 403)
        if status == 404:
            return RequestRefused(
                f"LLM endpoint {url}: model {request.model!r} not found, or wrong base URL "
                f"(404): {said}",
                404,
            )
        return RequestRefused(f"LLM endpoint {url} refused the request ({status}): {said}", status)


class MalformedReply(Exception):
    """A 200 answer that is not a chat completion (a proxy page, a truncated body)."""


def retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after") if exc.response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from these APIs; the exponential wait applies


def server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        text = inner.get("message") if isinstance(inner, dict) else inner
        if text:
            return one_line(str(text))
    return one_line(str(exc.message))


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:MESSAGE_CHARS]


def redact(text: str, key: str) -> str:
    """Servers sometimes echo the key (or its tail) back; neither reaches a message."""
    if len(key) >= 8:
        text = text.replace(key, "***").replace(key[-4:], "****")
    return text
