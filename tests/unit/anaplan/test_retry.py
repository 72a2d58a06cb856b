"""Retries: Retry-After in seconds and as a date, jittered backoff, the cap, the last attempt."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import retry_policies, unit_draws
from tests.unit.anaplan.fakes import T0, FakeClock, Script, reply
from uam_events.anaplan.retry import (
    RetryingSender,
    RetryPolicy,
    is_retryable,
    parse_retry_after,
)
from uam_events.errors import AnaplanBusy

URL = "http://127.0.0.1:8600/2/0/models/M/status"


def send(
    script: Script,
    clock: FakeClock,
    policy: RetryPolicy,
    *,
    method: str = "GET",
    idempotent: bool = True,
) -> httpx.Response:
    """Send one request through a RetryingSender on the script and return the answer."""

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=script.transport()) as http:
            sender = RetryingSender(http, policy, clock.timing())

            async def build() -> httpx.Request:
                return http.build_request(method, URL)

            return await sender.send(build, idempotent=idempotent)

    return asyncio.run(go())


def http_date(epoch: float) -> str:
    """Return an IMF-fixdate for an epoch time."""
    return format_datetime(datetime.fromtimestamp(epoch, UTC), usegmt=True)


# --- Retry-After --------------------------------------------------------------------------------


def test_retry_after_seconds() -> None:
    """A delta-seconds value is read as seconds."""
    assert parse_retry_after("7", T0) == 7.0
    assert parse_retry_after(" 0 ", T0) == 0.0


def test_retry_after_http_date() -> None:
    """An HTTP date is read as the seconds from now until then."""
    assert parse_retry_after(http_date(T0 + 42), T0) == pytest.approx(42.0)


def test_retry_after_date_in_the_past_is_zero() -> None:
    """A date already past asks for no wait at all."""
    assert parse_retry_after(http_date(T0 - 100), T0) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-3", "nan", "inf", "Mon, 99 Foo 2020"])
def test_retry_after_unreadable_is_none(value: str | None) -> None:
    """A missing, negative or unreadable value is ignored (the backoff applies)."""
    assert parse_retry_after(value, T0) is None


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (429, True),
        (409, True),
        (423, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (501, False),
        (400, False),
        (401, False),
        (404, False),
        (422, False),
    ],
)
def test_retryable_statuses(status: int, retryable: bool) -> None:
    """429, 409, 423 and 5xx but 501 are retried; other statuses are final."""
    assert is_retryable(status) is retryable


# --- backoff bounds -----------------------------------------------------------------------------


@given(retry_policies(), st.integers(min_value=0, max_value=200), unit_draws)
def test_backoff_stays_within_full_jitter_bounds(
    policy: RetryPolicy, retry: int, draw: float
) -> None:
    """Each backoff lies in [0, min(cap, base * 2**retry)] and never exceeds the cap."""
    delay = policy.backoff(retry, draw)
    assert 0.0 <= delay <= policy.ceiling(retry) <= policy.cap
    assert policy.ceiling(retry) == min(policy.cap, policy.base * 2.0 ** min(retry, 64))


@given(retry_policies(), st.integers(min_value=0, max_value=60))
def test_backoff_ceiling_grows_until_the_cap(policy: RetryPolicy, retry: int) -> None:
    """The ceiling doubles each retry until it reaches the cap, then stays there."""
    assert policy.ceiling(retry + 1) >= policy.ceiling(retry)
    if policy.ceiling(retry) < policy.cap:
        assert policy.ceiling(retry + 1) == min(policy.cap, 2 * policy.ceiling(retry))


def test_policy_rejects_nonsense() -> None:
    """A policy with no attempts or a cap below the base is refused."""
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="base"):
        RetryPolicy(base=2.0, cap=1.0)


# --- the sender -------------------------------------------------------------------------------


def test_429_waits_exactly_retry_after_seconds() -> None:
    """A 429 with `Retry-After: 3` is retried after exactly 3 s."""
    script = Script().on("GET", ".*", reply(429, {}, **{"Retry-After": "3"}), reply(200, {}))
    clock = FakeClock()
    assert send(script, clock, RetryPolicy()).status_code == 200
    assert clock.sleeps == [3.0]
    assert len(script.calls) == 2


def test_429_waits_until_retry_after_date() -> None:
    """A 429 with an HTTP-date `Retry-After` is retried at that time."""
    script = Script().on(
        "GET", ".*", reply(429, {}, **{"Retry-After": http_date(T0 + 20)}), reply(200, {})
    )
    clock = FakeClock()
    send(script, clock, RetryPolicy())
    assert clock.sleeps == [pytest.approx(20.0)]


@pytest.mark.parametrize("status", [500, 503, 409, 423])
def test_busy_and_server_errors_back_off_with_jitter(status: int) -> None:
    """5xx, 409 and 423 without Retry-After wait draw * min(cap, base * 2**n) between tries."""
    script = Script().on("GET", ".*", reply(status), reply(status), reply(status), reply(200))
    clock = FakeClock(draws=iter([0.5, 0.25, 1.0]))
    policy = RetryPolicy(attempts=4, base=2.0, cap=5.0)
    assert send(script, clock, policy).status_code == 200
    assert clock.sleeps == [0.5 * 2.0, 0.25 * 4.0, 1.0 * 5.0]


def test_last_attempt_raises_busy_with_retry_after() -> None:
    """After the last attempt AnaplanBusy carries the last Retry-After and the call."""
    script = Script().on("GET", ".*", reply(429, {}, **{"Retry-After": "9"}))
    clock = FakeClock()
    with pytest.raises(AnaplanBusy) as caught:
        send(script, clock, RetryPolicy(attempts=3))
    assert caught.value.retry_after == 9.0
    assert caught.value.status == 429
    assert caught.value.path == "/2/0/models/M/status"
    assert len(script.calls) == 3
    assert clock.sleeps == [9.0, 9.0]
    assert "try again in 9 s" in str(caught.value)


def test_last_attempt_without_retry_after_reports_the_ceiling() -> None:
    """Without Retry-After, AnaplanBusy suggests the backoff ceiling reached."""
    script = Script().on("GET", ".*", reply(503))
    with pytest.raises(AnaplanBusy) as caught:
        send(script, FakeClock(), RetryPolicy(attempts=3, base=1.0, cap=60.0))
    assert caught.value.retry_after == 4.0


def test_retry_after_beyond_max_wait_gives_up_at_once() -> None:
    """A Retry-After longer than max_wait raises at once: the caller backs off instead."""
    script = Script().on("GET", ".*", reply(429, {}, **{"Retry-After": "3600"}), reply(200))
    clock = FakeClock()
    with pytest.raises(AnaplanBusy) as caught:
        send(script, clock, RetryPolicy(max_wait=300.0))
    assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []
    assert len(script.calls) == 1


@pytest.mark.parametrize("status", [400, 404, 501])
def test_final_statuses_are_returned_at_once(status: int) -> None:
    """A status that retrying cannot fix comes back after one call, with no wait."""
    script = Script().on("GET", ".*", reply(status), reply(200))
    clock = FakeClock()
    assert send(script, clock, RetryPolicy()).status_code == status
    assert clock.sleeps == []


def test_connection_refused_is_retried() -> None:
    """A connection that never reached Anaplan is tried again, even for a POST."""
    answers: list[httpx.Response | Exception] = [httpx.ConnectError("refused"), reply(200)]

    def answer(request: httpx.Request) -> httpx.Response:
        item = answers.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    script = Script().on("POST", ".*", answer)
    assert send(script, FakeClock(), RetryPolicy(), method="POST", idempotent=False).is_success


def test_read_timeout_on_a_non_idempotent_call_is_not_resent() -> None:
    """A POST that may have reached Anaplan is not resent: AnaplanBusy at once."""

    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    script = Script().on("POST", ".*", answer)
    with pytest.raises(AnaplanBusy) as caught:
        send(script, FakeClock(), RetryPolicy(), method="POST", idempotent=False)
    assert caught.value.status is None
    assert "ReadTimeout" in str(caught.value)
    assert len(script.calls) == 1


def test_read_timeout_on_an_idempotent_call_is_resent() -> None:
    """A GET that timed out is tried again."""
    answers: list[httpx.Response | None] = [None, reply(200)]

    def answer(request: httpx.Request) -> httpx.Response:
        item = answers.pop(0)
        if item is None:
            raise httpx.ReadTimeout("slow", request=request)
        return item

    script = Script().on("GET", ".*", answer)
    assert send(script, FakeClock(), RetryPolicy()).is_success


@settings(max_examples=40, deadline=None)
@given(
    retry_policies(),
    st.lists(st.sampled_from([409, 423, 429, 500, 502, 503, 504]), max_size=11),
    unit_draws,
)
def test_retryable_failures_then_success_sleep_within_bounds(
    policy: RetryPolicy, failures: list[int], draw: float
) -> None:
    """Fewer failures than attempts end in success, each wait within its jitter bound."""
    failures = failures[: policy.attempts - 1]
    script = Script().on("GET", ".*", *(reply(s) for s in failures), reply(200))
    clock = FakeClock(default_draw=draw)
    assert send(script, clock, policy).status_code == 200
    assert len(clock.sleeps) == len(failures)
    for retry, slept in enumerate(clock.sleeps):
        assert 0.0 <= slept <= policy.ceiling(retry)
