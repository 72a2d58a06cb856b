"""Test doubles for the client's unit tests: a scripted Anaplan on MockTransport, a fake clock.

Nothing here opens a socket: every request goes to `Script.handle` through
`httpx.MockTransport`, which answers what the test scripted per method and path, in order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.conftest import ADMIN
from uam_events.anaplan.retry import Timing

AUTH = "http://127.0.0.1:8600"
API = "http://127.0.0.1:8600/2/0"
USER = ADMIN
WS = "8a81b09d5e8c6f27015ece3402487d33"
MODEL = "F2A5B0A6C0A84B0CB4C2A3E0D3B1B8A9"
MODEL_PATH = f"/2/0/workspaces/{WS}/models/{MODEL}"
T0 = 1_800_000_000.0
"""The fake clock's start, in epoch seconds."""

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def reply(status: int = 200, body: Any = None, **headers: str) -> httpx.Response:
    """Return a response with a JSON body (or none) and the given headers."""
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def raw(
    content: bytes, status: int = 200, content_type: str = "application/octet-stream"
) -> httpx.Response:
    """Return a response with raw bytes."""
    return httpx.Response(status, content=content, headers={"Content-Type": content_type})


def token_answer(value: str, expires_at: float, status: int = 201) -> httpx.Response:
    """Return a `/token/authenticate` or `/token/refresh` answer for `value`."""
    info = {"tokenValue": value, "expiresAt": int(expires_at * 1000), "tokenId": "t1"}
    return reply(status, {"status": "SUCCESS", "tokenInfo": info})


@dataclass
class Script:
    """A scripted Anaplan: per (method, path pattern) a queue of answers; the last repeats."""

    routes: list[tuple[str, re.Pattern[str], list[Answer]]] = field(default_factory=list)
    calls: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, pattern: str, *answers: Answer) -> Script:
        """Answer requests matching `method` and the full-path regex `pattern` with `answers`."""
        self.routes.insert(0, (method, re.compile(pattern), list(answers)))
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request from the script; fail the test on an unscripted one."""
        self.calls.append(request)
        for method, pattern, answers in self.routes:
            if method == request.method and pattern.fullmatch(request.url.path):
                answer = answers.pop(0) if len(answers) > 1 else answers[0]
                return answer(request) if callable(answer) else answer
        raise AssertionError(f"unscripted request {request.method} {request.url.path}")

    def paths(self, method: str | None = None) -> list[str]:
        """Return the paths requested so far (of one method when given), in order."""
        return [c.url.path for c in self.calls if method is None or c.method == method]

    def transport(self) -> httpx.MockTransport:
        """Return a MockTransport that answers from this script."""
        return httpx.MockTransport(self.handle)


@dataclass
class FakeClock:
    """A clock that moves only when something sleeps; records every sleep."""

    now: float = T0
    sleeps: list[float] = field(default_factory=list)
    draws: Iterator[float] = field(default_factory=lambda: iter(()))
    default_draw: float = 0.5

    async def sleep(self, seconds: float) -> None:
        """Record the sleep and advance the clock by it."""
        self.sleeps.append(seconds)
        self.now += seconds

    def random(self) -> float:
        """Return the next scripted draw, else the default one."""
        return next(self.draws, self.default_draw)

    def timing(self) -> Timing:
        """Return Timing bound to this clock."""
        return Timing(now=lambda: self.now, sleep=self.sleep, random=self.random)


def body(request: httpx.Request) -> Any:
    """Return a request's JSON body."""
    return json.loads(request.content)
