"""The on-disk response cache: the same request never costs twice.

The key is a hash of everything that shapes the reply: endpoint URL, model,
temperature, token limit and the exact messages. Never the key. Because fuel's prompts
are deterministic given the campaign seed and the earlier replies, re-running a
campaign with the same seed is answered entirely from here, for free. Entries are
written atomically (temporary file, then rename), so a campaign killed mid-write
leaves no torn entry, and concurrent campaigns can share one directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

CACHE_VERSION = 2  # bump when the entry format or the key's contents change


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One chat-completions request, exactly as sent (minus the key)."""

    base_url: str
    model: str
    messages: tuple[tuple[str, str], ...]  # (role, content): system, user, assistant
    temperature: float
    max_tokens: int
    seed: int | None = None  # sent as the request's sampling seed
    stop: tuple[str, ...] = ()  # the server ends the answer at the first of these

    @property
    def prompt_chars(self) -> int:
        return sum(len(content) for _, content in self.messages)

    def cache_key(self) -> str:
        payload = json.dumps(
            [CACHE_VERSION, self.base_url, self.model, self.temperature, self.max_tokens,
             self.seed, list(self.stop), [list(m) for m in self.messages]],
            ensure_ascii=False,
        )  # fmt: skip
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChatReply:
    content: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str = ""
    cached: bool = False


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fuel" / "llm"


class ResponseCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, request: ChatRequest) -> ChatReply | None:
        path = self._path(request.cache_key())
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            reply = ChatReply(
                content=str(data["content"]),
                prompt_tokens=int(data["prompt_tokens"]),
                completion_tokens=int(data["completion_tokens"]),
                finish_reason=str(data.get("finish_reason", "")),
                cached=True,
            )
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return reply

    def put(self, request: ChatRequest, reply: ChatReply) -> None:
        path = self._path(request.cache_key())
        entry = {
            "model": request.model,
            "content": reply.content,
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "finish_reason": reply.finish_reason,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out, ensure_ascii=False)
            os.replace(temporary, path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
            raise
