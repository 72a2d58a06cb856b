"""Retries of Anaplan calls: exponential backoff with full jitter, honouring `Retry-After`.

Invariant: an answer that may succeed later (429, 409, 423, any 5xx but 501) or a connection
that never reached Anaplan is tried at most `attempts` times in all. Each wait is the
`Retry-After` Anaplan sent (seconds or an HTTP date) or else a uniform draw in
`[0, min(cap, base * 2**retry)]`. After the last attempt, or when `Retry-After` asks for longer
than `max_wait`, AnaplanBusy says when to try again. A request that may have reached Anaplan
before the connection broke is resent only when it is idempotent. Clock, sleep and randomness
come in through `Timing`, so tests run instantly and deterministically.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC

import httpx

from uam_events.errors import AnaplanBusy

log = logging.getLogger(__name__)

BUSY_STATUSES = frozenset({409, 423, 429})
"""Conflict (the model runs another task), locked, throttled: all pass with time."""

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport errors raised before the request left this process: always safe to resend."""


def is_retryable(status: int) -> bool:
    """Tell whether an HTTP status may turn into a success when the call is repeated."""
    return status in BUSY_STATUSES or (500 <= status < 600 and status != 501)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry; times in seconds."""

    attempts: int = 6
    base: float = 1.0
    cap: float = 60.0
    max_wait: float = 300.0
    """A `Retry-After` longer than this ends the retries at once: the caller should back off."""

    def __post_init__(self) -> None:
        """Refuse a policy that could not retry sensibly."""
        if self.attempts < 1 or self.base <= 0 or self.cap < self.base or self.max_wait < 0:
            raise ValueError("RetryPolicy needs attempts >= 1, 0 < base <= cap, max_wait >= 0")

    def ceiling(self, retry: int) -> float:
        """Return the longest backoff before retry number `retry` (0 for the first retry)."""
        return min(self.cap, self.base * 2.0 ** min(retry, 64))

    def backoff(self, retry: int, draw: float) -> float:
        """Return the full-jitter backoff for `retry`, given a uniform draw in [0, 1)."""
        return draw * self.ceiling(retry)


@dataclass(frozen=True, slots=True)
class Timing:
    """The clock, the sleep and the randomness retries and polling use; tests inject fakes."""

    now: Callable[[], float] = field(default=time.time)
    """Seconds since the epoch."""
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)
    random: Callable[[], float] = field(default=random.random)
    """A uniform draw in [0, 1)."""


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Return the seconds a `Retry-After` value asks for (delta-seconds or HTTP date).

    None when there is no header or it cannot be read; a date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


BuildRequest = Callable[[], Awaitable[httpx.Request]]


@dataclass(frozen=True, slots=True)
class RetryingSender:
    """Sends requests through one httpx client, retrying per its policy."""

    http: httpx.AsyncClient
    policy: RetryPolicy
    timing: Timing

    async def send(self, build: BuildRequest, *, idempotent: bool = True) -> httpx.Response:
        """Send the request `build` makes (a fresh one per attempt) and return the answer.

        Returns any answer that is not retryable, including 4xx; raises AnaplanBusy when the
        retries run out.
        """
        for attempt in range(self.policy.attempts):
            request = await build()
            last = attempt == self.policy.attempts - 1
            try:
                response = await self.http.send(request)
            except httpx.TransportError as exc:
                if last or not (idempotent or isinstance(exc, NOT_SENT)):
                    reason = f"{type(exc).__name__} (Anaplan unreachable)"
                    raise AnaplanBusy(
                        request.method, _path(request), None, reason, self.policy.ceiling(attempt)
                    ) from None
                await self._wait(request, None, attempt, type(exc).__name__)
                continue
            if not is_retryable(response.status_code):
                return response
            asked = parse_retry_after(response.headers.get("Retry-After"), self.timing.now())
            await response.aclose()
            if last or (asked is not None and asked > self.policy.max_wait):
                wait = asked if asked is not None else self.policy.ceiling(attempt)
                status = response.status_code
                raise AnaplanBusy(request.method, _path(request), status, "", wait)
            await self._wait(request, asked, attempt, str(response.status_code))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _wait(
        self, request: httpx.Request, asked: float | None, attempt: int, why: str
    ) -> None:
        """Sleep before the next attempt: `Retry-After` when given, else jittered backoff."""
        wait = asked if asked is not None else self.policy.backoff(attempt, self.timing.random())
        log.warning(
            "anaplan %s %s answered %s; retry %d of %d in %.2f s",
            request.method,
            _path(request),
            why,
            attempt + 1,
            self.policy.attempts - 1,
            wait,
        )
        await self.timing.sleep(wait)


def _path(request: httpx.Request) -> str:
    """Return the request's path without host or query (ids only, never a secret)."""
    return request.url.path
