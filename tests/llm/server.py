"""A chat-completions endpoint on 127.0.0.1 that answers from a script.

It speaks enough of the OpenAI protocol for the real ``openai`` SDK: bearer-key
checks (401), unknown models (404), status codes with OpenAI-shaped error bodies,
``Retry-After`` headers, delays (for timeouts), usage figures, streamed answers
(server-sent events, usage in the last chunk, stalls part-way) and a model list.
One-token requests (the preflight) are answered "ok" without consuming the script.
Every request body is kept, so tests assert on exactly what was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    content: str = ""
    status: int = 200
    delay_s: float = 0.0
    prompt_tokens: int = 120
    completion_tokens: int = 80
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None  # raw body instead of a completion (malformed replies)
    chunk_chars: int = 16  # streamed answers come in pieces of this many characters
    stall_after: int | None = None  # streamed: pieces sent before stalling for delay_s
    usage: bool = True  # streamed: whether the last chunk reports usage
    finish: str = "stop"


@dataclass
class Script:
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0


class ChatServer:
    def __init__(self, key: str = "test-key", models: tuple[str, ...] = ()) -> None:
        self.key = key
        self.models = models  # empty: any model exists
        self.script = Script()
        self.standing: dict[str, Reply] = {}  # per model, once the script is exhausted
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.down = False  # answer nothing (close every connection), as a dead server
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The chat requests received, preflight excluded."""
        with self.lock:
            return [r for r in self.script.requests if r.get("max_tokens") != 1]

    @property
    def preflights(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.script.requests if r.get("max_tokens") == 1]

    def add(self, *replies: Reply | str) -> None:
        with self.lock:
            for reply in replies:
                self.script.replies.append(Reply(reply) if isinstance(reply, str) else reply)

    def start(self) -> ChatServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _next(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            self.script.requests.append(body)
            if body.get("max_tokens") == 1:
                return Reply("ok", prompt_tokens=5, completion_tokens=1)
            if not self.script.replies and body.get("model") in self.standing:
                return self.standing[body["model"]]
            if not self.script.replies:
                return Reply(status=500, body='{"error": {"message": "script exhausted"}}')
            return self.script.replies.popleft()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if server.down:
                    return self.close_connection_now()
                listed = [{"id": m, "object": "model", "owned_by": "test"} for m in server.models]
                self._send(200, json.dumps({"object": "list", "data": listed}))

            def close_connection_now(self) -> None:
                self.close_connection = True
                self.wfile.flush()
                self.connection.close()

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if server.down:
                    return self.close_connection_now()
                if self.headers.get("authorization") != f"Bearer {server.key}":
                    message = "Incorrect API key provided."
                    return self._send(401, _error(message, "invalid_api_key"))
                model = body.get("model", "")
                if server.models and model not in server.models:
                    message = f"The model `{model}` does not exist"
                    return self._send(404, _error(message, "model_not_found"))
                reply = server._next(body)
                with server.lock:
                    server.script.in_flight += 1
                    server.script.most_in_flight = max(
                        server.script.most_in_flight, server.script.in_flight
                    )
                try:
                    streamed = bool(body.get("stream")) and reply.status == 200
                    if reply.delay_s and not (streamed and reply.stall_after is not None):
                        server.stopping.wait(reply.delay_s)
                    if streamed and reply.body is None:
                        self._stream(model, reply)
                    else:
                        payload = reply.body or _completion(model, reply)
                        self._send(reply.status, payload, reply.headers)
                finally:
                    with server.lock:
                        server.script.in_flight -= 1

            def _send(
                self, status: int, payload: str, headers: tuple[tuple[str, str], ...] = ()
            ) -> None:
                data = payload.encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in headers:
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def _stream(self, model: str, reply: Reply) -> None:
                text, size = reply.content, max(1, reply.chunk_chars)
                pieces = [text[i : i + size] for i in range(0, len(text), size)]
                try:
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("connection", "close")
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    self.end_headers()
                    self._event(_chunk(model, {"role": "assistant"}))
                    for sent, piece in enumerate(pieces):
                        if sent == reply.stall_after:
                            server.stopping.wait(reply.delay_s)
                        self._event(_chunk(model, {"content": piece}))
                    usage = _usage(reply) if reply.usage else None
                    self._event(_chunk(model, {}, reply.finish, usage))
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _event(self, payload: str) -> None:
                self.wfile.write(f"data: {payload}\n\n".encode())
                self.wfile.flush()

        return Handler


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _chunk(
    model: str, delta: dict[str, str], finish: str | None = None, usage: dict | None = None
) -> str:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        chunk["usage"] = usage
    return json.dumps(chunk)


def _error(message: str, code: str) -> str:
    return json.dumps(
        {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    )


def _completion(model: str, reply: Reply) -> str:
    if reply.status != 200:
        return _error(f"scripted status {reply.status}", "scripted")
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "finish_reason": "stop",
                }
            ],
            "usage": _usage(reply),
        }
    )
