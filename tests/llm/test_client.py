"""The client over real HTTP to a scripted loopback endpoint: retries, timeouts,
preflight errors, the cache and the concurrency limit."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from fuel.errors import FuelError
from fuel.llm.cache import ResponseCache
from fuel.llm.client import STALLED, ChatClient
from fuel.llm.config import Role, resolve, with_key
from fuel.llm.errors import EndpointDown, RequestFailed, RequestRefused
from fuel.llm.ledger import Ledger
from fuel.llm.settings import LLMSettings
from tests.llm.conftest import KEY, write_config
from tests.llm.server import ChatServer, Reply

MESSAGES = (("system", "be brief"), ("user", "say hi"))


@pytest.fixture
def make_client(
    server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[ChatClient, list[float]]]:
    monkeypatch.setenv("FUEL_API_KEY", KEY)

    def make(
        *, url: str | None = None, timeout: float = 5.0, cache: bool = False, **overrides: object
    ) -> tuple[ChatClient, list[float]]:
        path = write_config(tmp_path, url or server.url, timeout)
        config = resolve(LLMSettings(config_path=path, **overrides))  # type: ignore[arg-type]
        sleeps: list[float] = []
        store = ResponseCache(tmp_path / "cache") if cache else None
        return ChatClient(config, Ledger(), store, sleep=sleeps.append), sleeps

    return make


def ask(client: ChatClient, text: str = "say hi") -> str:
    request = client.request(Role.GENERATE, (("user", text),))
    return client.complete(Role.GENERATE, request, round_=1).content


def test_a_plain_request_is_accounted(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client()
    server.add(Reply("hello", prompt_tokens=1000, completion_tokens=500))
    assert ask(client) == "hello"
    body = server.requests[0]
    assert body["model"] == "test-gen" and body["temperature"] == 0.5
    assert body["messages"] == [{"role": "user", "content": "say hi"}]
    report = client.ledger.report()
    assert report.total.prompt_tokens == 1000 and report.total.completion_tokens == 500
    assert report.total.cost_usd == pytest.approx((1000 * 1.0 + 500 * 2.0) / 1e6)
    assert dict(report.by_role)[Role.GENERATE].requests == 1


def test_429_then_success_honours_retry_after(make_client: Callable, server: ChatServer) -> None:
    client, sleeps = make_client()
    server.add(Reply(status=429, headers=(("retry-after", "0.05"),)), Reply("fine"))
    assert ask(client) == "fine"
    assert client.failures == {"HTTP 429": 1}
    assert len(sleeps) == 1 and sleeps[0] >= 0.05


def test_5xx_until_retries_are_spent(make_client: Callable, server: ChatServer) -> None:
    client, sleeps = make_client()
    server.add(*[Reply(status=503)] * 3)
    with pytest.raises(EndpointDown, match="HTTP 503 after 3 attempts"):
        ask(client)
    assert len(server.requests) == 3 and len(sleeps) == 2
    assert sleeps[1] > sleeps[0] * 0.9  # exponential: base 0.01 s, then 0.02 s, jittered
    assert client.ledger.report().total.requests == 0  # failures cost nothing


def test_timeout_is_retried(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client(timeout=0.3)
    server.add(Reply("late", delay_s=2.0), Reply("on time"))
    assert ask(client) == "on time"
    assert client.failures == {"timeout": 1}


def test_malformed_reply_is_retried(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client()
    server.add(Reply(body='{"object": "chat.completion", "choices": []}'), Reply("ok then"))
    assert ask(client) == "ok then"
    assert list(client.failures) == ["malformed reply (no choices)"]


def test_cache_hit_sends_nothing(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client(cache=True)
    server.add(Reply("first"), Reply("second"))
    assert ask(client) == "first"
    assert ask(client) == "first"
    assert len(server.requests) == 1
    report = client.ledger.report()
    assert report.total.requests == 1 and report.total.cached == 1
    assert ask(client, "another question") == "second"


def test_bad_key_at_preflight(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client()
    client = ChatClient(with_key(client.config, "sk-wrong-key-999", "FUEL_API_KEY"), Ledger())
    with pytest.raises(RequestRefused) as caught:
        client.preflight()
    message = str(caught.value)
    assert message == f"LLM endpoint {server.url} refused the API key from FUEL_API_KEY (401)"
    assert "wrong" not in message


def test_unknown_model_at_preflight(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client(gen_model="no-such-model")
    with pytest.raises(FuelError, match=r"model 'no-such-model' not found.*404.*does not exist"):
        client.preflight()


def test_unreachable_host_at_preflight(make_client: Callable) -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client, _ = make_client(url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(FuelError, match="does not answer: connection failed"):
        client.preflight()


def test_preflight_checks_both_models(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client()
    client.preflight()
    assert [r["model"] for r in server.preflights] == ["test-gen", "test-analysis"]
    assert dict(client.ledger.report().by_role)[Role.PREFLIGHT].requests == 2


def test_concurrency_limit(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client(concurrency=1)
    server.add(Reply("a", delay_s=0.2), Reply("b", delay_s=0.2))
    threads = [threading.Thread(target=ask, args=(client, f"q{i}")) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.script.most_in_flight == 1 and len(server.requests) == 2


def test_backoff_is_capped(make_client: Callable) -> None:
    client, _ = make_client(backoff_s=10.0)
    assert client.backoff(0, None) <= 10.0
    assert client.backoff(10, None) == 60.0
    assert client.backoff(0, 30.0) == 30.0


def test_non_json_answer_is_retried(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client()
    server.add(Reply(body="<html>gateway</html>"), Reply("fine"))
    assert ask(client) == "fine"
    assert list(client.failures) == ["malformed reply (no choices)"]  # no event in the body


def test_answers_are_streamed_with_the_servers_usage(
    make_client: Callable, server: ChatServer
) -> None:
    client, _ = make_client()
    server.add(Reply("a streamed answer, in pieces", prompt_tokens=321, completion_tokens=12))
    request = client.request(Role.GENERATE, (("user", "say hi"),))
    reply = client.complete(Role.GENERATE, request, round_=1)
    assert (reply.content, reply.prompt_tokens, reply.completion_tokens) == (
        "a streamed answer, in pieces", 321, 12
    )
    body = server.requests[0]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["seed"] == request.seed  # the same messages always carry the same seed
    assert client.request(Role.GENERATE, (("user", "say hi"),)).seed == request.seed
    assert client.speed.answers == 1 and client.speed.tokens_per_s > 0


def test_no_usage_is_estimated(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client()
    server.add(Reply("x" * 400, usage=False))
    ask(client)
    assert client.ledger.report().total.completion_tokens >= 100


def test_max_tokens_is_what_the_answer_needs_capped_by_the_preset(
    make_client: Callable,
) -> None:
    client, _ = make_client()
    assert client.request(Role.GENERATE, (("user", "q"),), max_tokens=300).max_tokens == 300
    assert client.request(Role.GENERATE, (("user", "q"),), max_tokens=5000).max_tokens == 1000


def test_a_stall_part_way_keeps_what_arrived(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client(timeout=0.3, cache=True)
    server.add(Reply("0123456789abcdef-and the rest", delay_s=2.0, stall_after=1))
    reply = client.complete(Role.GENERATE, client.request(Role.GENERATE, (("user", "q"),)), 1)
    assert (reply.content, reply.finish_reason) == ("0123456789abcdef", STALLED)
    assert client.cache is not None and client.cache.get(
        client.request(Role.GENERATE, (("user", "q"),))
    ) is None  # a stall is the machine's, not the model's: never cached


def test_a_slow_model_on_a_live_server_is_not_a_dead_endpoint(
    make_client: Callable, server: ChatServer
) -> None:
    client, _ = make_client(timeout=0.3)
    server.add(Reply("late", delay_s=2.0), Reply("late again", delay_s=2.0), Reply("never"))
    with pytest.raises(RequestFailed, match="timeout after 2 attempts; the server answers"):
        ask(client)
    assert len(server.requests) == 2  # a timeout is retried once, not `retries` times


def test_a_server_that_stops_answering_is_down(make_client: Callable, server: ChatServer) -> None:
    client, _ = make_client(timeout=0.3)
    server.down = True
    with pytest.raises(EndpointDown, match="after 3 attempts"):
        ask(client)


def test_a_server_streaming_past_max_tokens_is_cut(
    make_client: Callable, server: ChatServer
) -> None:
    client, _ = make_client()
    server.add(Reply("y" * 5000, chunk_chars=1))  # 5,000 chunks against max_tokens 1000
    reply = client.complete(Role.GENERATE, client.request(Role.GENERATE, (("user", "q"),)), 1)
    assert reply.finish_reason == "length" and len(reply.content) < 1100


def test_unknown_model_lists_what_the_server_serves(
    make_client: Callable, server: ChatServer
) -> None:
    client, _ = make_client(gen_model="no-such-model")
    with pytest.raises(FuelError, match=r"the server lists: test-analysis, test-gen"):
        client.preflight()
