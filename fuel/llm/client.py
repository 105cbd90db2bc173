"""One client for every OpenAI-compatible chat endpoint, on the official ``openai`` SDK.

The SDK's own retries are off (``max_retries=0``): this module retries itself, so it
can count failures, honour ``Retry-After``, back off exponentially with jitter, and
turn "still failing after every retry" into :class:`EndpointDown`, which the
generator answers by switching to its fallback, but only when the server does not
even list its models: a live server whose model is slow gives ``RequestFailed``
instead. Answers that no retry can fix (a bad key, an unknown model) become one-line
``RequestRefused`` errors. Every request passes the cache first and the budget second;
a semaphore bounds how many are in flight at once.

Answers are streamed, because a small model on a CPU writes ~10 tokens a second: a
timeout on the whole answer either kills good answers or waits minutes for dead ones.
So ``timeout_s`` is the longest wait *for the next token*, lengthened for the first
one by what the server's learned prompt speed predicts for this prompt. An answer cut
by a stall keeps what arrived (finish reason ``stalled``), like one cut at
``max_tokens``; a server streaming past ``max_tokens`` is cut off by the client. Each
request carries a ``seed`` derived from its messages, so servers that honour it
(OpenAI, vLLM, ``transformers serve``) answer a re-run the same way.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import openai

try:  # the HTTP library under the SDK: recent openai releases use the httpx2 fork
    import httpx2 as httpx
except ImportError:  # pragma: no cover - older openai releases
    import httpx  # type: ignore[no-redef]

from fuel.errors import FuelError
from fuel.llm.cache import ChatReply, ChatRequest, ResponseCache
from fuel.llm.config import ResolvedConfig, Role, is_loopback
from fuel.llm.errors import EndpointDown, RequestFailed, RequestRefused
from fuel.llm.ledger import CHARS_PER_TOKEN_ESTIMATE, Ledger, charge_for

MAX_BACKOFF_S = 60.0  # one wait never exceeds a minute, whatever Retry-After says
RETRY_STATUS = frozenset({408, 409, 429})  # plus every 5xx
MESSAGE_CHARS = 200  # how much of a server's error message a one-line error keeps
LOCAL_HINT = " (is the server running? the local preset's: scripts/local-llm.sh start)"
CONNECT_S = 10.0  # a server that takes longer to accept a connection is not there
ALIVE_S = 5.0  # the model list asked of a server before it is declared down
TIMEOUT_RETRIES = 1  # a stalled model is as slow the second time: retry it once only
OVERRUN_CHUNKS = 16  # streamed chunks past max_tokens before the client cuts the answer
# The first token waits for the whole prompt to be read: allow this many times what the
# learned prompt speed predicts, never less than timeout_s.
FIRST_TOKEN_MARGIN = 3.0
SPEED_WEIGHT = 0.3  # weight of the newest answer in the learned speeds (moving average)
MIN_TIMED_TOKENS = 8  # answers shorter than this say little about a server's speed


@dataclass(frozen=True, slots=True)
class Speed:
    """What the server's answers showed of its speed (moving averages; 0: not yet known)."""

    tokens_per_s: float = 0.0  # completion tokens, from the first token to the last
    prompt_tokens_per_s: float = 0.0  # prompt tokens read before the first token
    answers: int = 0  # streamed answers measured


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
        self.speed = Speed()
        self.usage_estimated = 0  # answers that came without usage figures
        self._sleep = sleep
        self._jitter = random.Random()  # spreads retries of parallel clients; not seeded
        endpoint = config.endpoint
        self._slots = threading.BoundedSemaphore(endpoint.concurrency)
        self._count_lock = threading.Lock()
        self._sdk = openai.OpenAI(
            api_key=endpoint.api_key,
            base_url=endpoint.base_url,
            timeout=httpx.Timeout(endpoint.timeout_s, connect=CONNECT_S),
            max_retries=0,
        )

    def request(
        self,
        role: Role,
        messages: Sequence[tuple[str, str]],
        max_tokens: int | None = None,
        stop: tuple[str, ...] = (),
    ) -> ChatRequest:
        """``max_tokens``: what this answer needs, capped by the role's limit; ``stop``:
        where the server should end it."""
        spec = self.config.role(role)
        limit = spec.max_tokens if max_tokens is None else min(max_tokens, spec.max_tokens)
        return ChatRequest(
            self.config.endpoint.base_url,
            spec.model,
            tuple(messages),
            spec.temperature,
            max(1, limit),
            seed=stable_seed(messages),
            stop=stop,
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
        if self.cache is not None and reply.finish_reason != STALLED:
            self.cache.put(request, reply)  # a stall says more of the machine than the model
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
            except (EndpointDown, RequestFailed) as down:
                url = self.config.endpoint.base_url
                message = f"LLM endpoint {url} does not answer: {down.reason}"
                raise FuelError(message + (LOCAL_HINT if is_loopback(url) else "")) from None
            except RequestRefused as refused:
                if refused.status not in (400, 404):  # not about the model id
                    raise
                raise RequestRefused(self.with_models(str(refused)), refused.status) from None
            self.ledger.record(
                charge_for(0, Role.PREFLIGHT, spec, reply.prompt_tokens,
                           reply.completion_tokens, False)
            )  # fmt: skip

    def send(self, request: ChatRequest, retries: int) -> ChatReply:
        """Send, retrying transient failures ``retries`` times (a timeout at most once).

        Raises ``RequestFailed`` when the request timed out on a server that still lists
        its models (a slow model is not a dead server), else ``EndpointDown``.
        """
        attempt, timeouts = 0, 0
        while True:
            try:
                with self._slots:
                    with self._count_lock:
                        self.sent += 1
                    return self._send_once(request)
            except openai.APIStatusError as exc:
                if exc.status_code not in RETRY_STATUS and exc.status_code < 500:
                    raise self.refusal(exc, request) from None
                reason, wait = f"HTTP {exc.status_code}", retry_after(exc)
            except (openai.APITimeoutError, httpx.TimeoutException):
                reason, wait = "timeout", None
                timeouts += 1
            except (openai.APIConnectionError, httpx.TransportError):
                reason, wait = "connection failed", None
            except MalformedReply as exc:
                reason, wait = f"malformed reply ({exc})", None
            with self._count_lock:
                self.failures[reason] += 1
            attempt += 1
            if attempt > retries or timeouts > TIMEOUT_RETRIES:
                failed = f"{reason} after {attempt} attempts"
                if reason == "timeout" and self.alive():
                    raise RequestFailed(f"{failed}; the server answers, the model is slow")
                raise EndpointDown(failed)
            self._sleep(self.backoff(attempt - 1, wait))

    def alive(self) -> bool:
        """Whether the server answers at all (any HTTP answer to its model list)."""
        try:
            self._sdk.models.list(timeout=ALIVE_S)
        except openai.APIStatusError:
            return True
        except (openai.APIError, httpx.HTTPError, ValueError):
            return False
        return True

    def served_models(self) -> list[str]:
        """The model ids the server lists, or [] when it lists none."""
        try:
            return sorted(model.id for model in self._sdk.models.list(timeout=ALIVE_S))
        except (openai.APIError, httpx.HTTPError, ValueError, AttributeError, TypeError):
            return []

    def with_models(self, message: str) -> str:
        served = self.served_models()
        return f"{message} (the server lists: {', '.join(served)})" if served else message

    def backoff(self, attempt: int, retry_after_s: float | None) -> float:
        """Exponential backoff with jitter, never shorter than the server's Retry-After."""
        base = self.config.endpoint.backoff_s * (2**attempt)
        delay = base * self._jitter.uniform(0.5, 1.0)
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        return min(delay, MAX_BACKOFF_S)

    def _send_once(self, request: ChatRequest) -> ChatReply:
        messages: list[Any] = [{"role": r, "content": c} for r, c in request.messages]
        started = time.monotonic()
        try:
            stream = self._sdk.chat.completions.create(
                model=request.model,
                messages=messages,
                temperature=request.temperature,
                max_tokens=request.max_tokens,
                seed=request.seed,
                stop=list(request.stop) or None,
                stream=True,
                stream_options={"include_usage": True},
                timeout=httpx.Timeout(self.wait_s(request), connect=CONNECT_S),
            )
        except (ValueError, openai.APIResponseValidationError) as exc:  # 200, but not JSON
            raise MalformedReply(exc.__class__.__name__) from None
        answer = Streamed()
        try:
            with stream:
                for chunk in stream:
                    answer.take(chunk)
                    if answer.chunks > request.max_tokens + OVERRUN_CHUNKS:
                        answer.finish = "length"  # the server ignores max_tokens: stop it
                        break
        except (openai.APITimeoutError, httpx.TimeoutException, httpx.TransportError):
            if not answer.parts:
                raise
            answer.finish = STALLED
        except (ValueError, openai.APIError) as exc:  # an error event, or not SSE
            if not answer.parts:
                raise MalformedReply(exc.__class__.__name__) from None
            answer.finish = STALLED
        if not answer.received:
            raise MalformedReply("no choices")
        reply = answer.reply(request)
        if answer.usage is None:
            with self._count_lock:
                self.usage_estimated += 1
        self._learn(reply, started, answer)
        return reply

    def wait_s(self, request: ChatRequest) -> float:
        """The longest wait for the next token of this request (the first one included)."""
        wait = self.config.endpoint.timeout_s
        speed = self.speed.prompt_tokens_per_s
        if speed > 0:
            prompt_tokens = request.prompt_chars / CHARS_PER_TOKEN_ESTIMATE
            wait = max(wait, FIRST_TOKEN_MARGIN * prompt_tokens / speed)
        return wait

    def _learn(self, reply: ChatReply, started: float, answer: Streamed) -> None:
        if answer.first_at is None or reply.completion_tokens < MIN_TIMED_TOKENS:
            return
        writing = max(answer.last_at - answer.first_at, 1e-3)
        reading = max(answer.first_at - started, 1e-3)
        with self._count_lock:
            old = self.speed
            self.speed = Speed(
                blend(old.tokens_per_s, (reply.completion_tokens - 1) / writing),
                blend(old.prompt_tokens_per_s, reply.prompt_tokens / reading),
                old.answers + 1,
            )

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


STALLED = "stalled"  # the finish reason of an answer cut by a stall


class MalformedReply(Exception):
    """A 200 answer that is not a chat completion (a proxy page, a truncated body)."""


class Streamed:
    """An answer as its chunks arrive: text, finish reason, usage, and when tokens came."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.finish = ""
        self.usage: Any = None
        self.chunks = 0
        self.received = False  # any chunk with a choice (or usage) came
        self.first_at: float | None = None
        self.last_at = 0.0

    def take(self, chunk: Any) -> None:
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.usage, self.received = usage, True
        for choice in (getattr(chunk, "choices", None) or ())[:1]:
            self.received = True
            text = getattr(choice.delta, "content", None) if choice.delta else None
            if text:
                now = time.monotonic()
                self.first_at = self.first_at or now
                self.last_at = now
                self.parts.append(text)
                self.chunks += 1
            if choice.finish_reason:
                self.finish = str(choice.finish_reason)

    def reply(self, request: ChatRequest) -> ChatReply:
        content = "".join(self.parts)
        usage = self.usage
        if usage is not None and usage.prompt_tokens is not None:
            prompt, completion = int(usage.prompt_tokens), int(usage.completion_tokens or 0)
        else:  # servers that report no usage: estimate, so the budget still moves
            prompt, completion = request.prompt_chars // 4, max(self.chunks, len(content) // 4)
        return ChatReply(content, prompt, completion, self.finish)


def stable_seed(messages: Sequence[tuple[str, str]]) -> int:
    """A sampling seed that depends on the messages only: a re-run is answered alike."""
    digest = hashlib.sha256(repr(tuple(messages)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def blend(old: float, new: float) -> float:
    return new if old <= 0 else (1 - SPEED_WEIGHT) * old + SPEED_WEIGHT * new


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
        text = inner.get("message") or inner.get("detail") if isinstance(inner, dict) else inner
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
