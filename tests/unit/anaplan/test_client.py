"""The client session: authenticated calls, one renewal on 401, errors named, lists paged."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import pytest
from pydantic import SecretStr

from tests.unit.anaplan.fakes import MODEL_PATH, T0, FakeClock, Script, reply, token_answer
from uam_events.anaplan.client import AnaplanClient, ModelRef, segment
from uam_events.anaplan.payloads import ImportInfo, ModelStatusAnswer
from uam_events.errors import AnaplanAuthError, AnaplanRequestError, AnaplanResponseError

R = TypeVar("R")
MakeClient = Callable[..., AnaplanClient]
STATUS = "/2/0/models/M1/status"
IDLE = {"requestStatus": {"currentStep": "Open", "progress": -1.0}}


def run(client: AnaplanClient, use: Callable[[AnaplanClient], Awaitable[R]]) -> R:
    """Run `use` on the client, then close it."""

    async def go() -> R:
        async with client:
            return await use(client)

    return asyncio.run(go())


def test_calls_carry_the_token(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """An API call signs in first and sends `AnaplanAuthToken <token>`."""
    script = signed_in(Script()).on("GET", STATUS, reply(200, IDLE))
    answer = run(
        make_anaplan_client(script), lambda c: c.get(ModelStatusAnswer, "/models/M1/status")
    )
    assert answer.request_status.progress == -1.0
    assert script.paths() == ["/token/authenticate", STATUS]
    assert script.calls[1].headers["Authorization"] == "AnaplanAuthToken tok-1"


def test_401_signs_in_again_and_resends_once(make_anaplan_client: MakeClient) -> None:
    """A token Anaplan rejects (expired early) is replaced and the call resent with the new one."""
    script = (
        Script()
        .on(
            "POST",
            "/token/authenticate",
            token_answer("tok-1", T0 + 1800),
            token_answer("tok-2", T0 + 3600),
        )
        .on("GET", STATUS, reply(401, {"status": "FAILURE_BAD_CREDENTIAL"}), reply(200, IDLE))
    )
    run(make_anaplan_client(script), lambda c: c.get(ModelStatusAnswer, "/models/M1/status"))
    assert script.paths() == ["/token/authenticate", STATUS, "/token/authenticate", STATUS]
    assert script.calls[3].headers["Authorization"] == "AnaplanAuthToken tok-2"


def test_second_401_after_renewal_is_an_auth_error(
    make_anaplan_client: MakeClient,
    signed_in: Callable[[Script], Script],
    client_password: SecretStr,
) -> None:
    """A fresh token refused too raises AnaplanAuthError instead of looping."""
    script = signed_in(Script()).on("GET", STATUS, reply(401))
    with pytest.raises(AnaplanAuthError, match="same region") as caught:
        run(make_anaplan_client(script), lambda c: c.request("GET", "/models/M1/status"))
    assert len(script.paths(method="GET")) == 2
    assert client_password.get_secret_value() not in str(caught.value)
    assert "tok-1" not in str(caught.value)


def test_token_refreshed_before_expiry_between_calls(make_anaplan_client: MakeClient) -> None:
    """A call made close to expiry refreshes the token before it is sent."""
    script = (
        Script()
        .on("POST", "/token/authenticate", token_answer("tok-1", T0 + 1800))
        .on("POST", "/token/refresh", token_answer("tok-1", T0 + 3600, status=200))
        .on("GET", STATUS, reply(200, IDLE))
    )
    clock = FakeClock()

    async def use(client: AnaplanClient) -> None:
        await client.request("GET", "/models/M1/status")
        clock.now = T0 + 1700
        await client.request("GET", "/models/M1/status")

    run(make_anaplan_client(script, clock), use)
    assert script.paths() == ["/token/authenticate", STATUS, "/token/refresh", STATUS]


@pytest.mark.parametrize(
    ("status", "hint"),
    [(404, "No Access"), (403, "workspace administrator"), (422, "archived"), (400, "malformed")],
)
def test_client_errors_name_method_path_status_and_a_hint(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script], status: int, hint: str
) -> None:
    """A 4xx that retrying cannot fix raises AnaplanRequestError with status, path and hint."""
    script = signed_in(Script()).on("GET", STATUS, reply(status, {"status": {"code": status}}))
    with pytest.raises(AnaplanRequestError, match=hint) as caught:
        run(make_anaplan_client(script), lambda c: c.request("GET", "/models/M1/status"))
    assert caught.value.status == status
    assert caught.value.path == "/models/M1/status"
    assert len(script.paths(method="GET")) == 1


def test_absent_statuses_come_back_as_answers(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A status the caller expects (404: no dump) is returned, not raised."""
    script = signed_in(Script()).on("GET", STATUS, reply(404))
    response = run(
        make_anaplan_client(script),
        lambda c: c.request("GET", "/models/M1/status", absent=frozenset({404})),
    )
    assert response.status_code == 404


def test_body_is_resent_whole_after_a_busy_answer(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A PUT retried after 503 sends the same bytes and headers again."""
    path = f"{MODEL_PATH}/files/113000000001/chunks/0"
    script = signed_in(Script()).on("PUT", path, reply(503), reply(204))
    clock = FakeClock()
    run(
        make_anaplan_client(script, clock),
        lambda c: c.request(
            "PUT",
            path.removeprefix("/2/0"),
            content=b"\x1f\x8bdata",
            headers={"Content-Type": "application/x-gzip"},
        ),
    )
    puts = [c for c in script.calls if c.method == "PUT"]
    assert [c.content for c in puts] == [b"\x1f\x8bdata"] * 2
    assert {c.headers["Content-Type"] for c in puts} == {"application/x-gzip"}
    assert clock.sleeps == [0.5]


def test_malformed_answer_is_a_response_error(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """An answer without the documented key raises AnaplanResponseError naming the call."""
    script = signed_in(Script()).on("GET", STATUS, reply(200, {"something": 1}))
    with pytest.raises(AnaplanResponseError, match=r"GET /models/M1/status.*requestStatus"):
        run(make_anaplan_client(script), lambda c: c.get(ModelStatusAnswer, "/models/M1/status"))


def page(items: list[dict[str, str]], total: int, offset: int) -> httpx.Response:
    """Return one page of an `imports` list answer."""
    paging = {"currentPageSize": len(items), "offset": offset, "totalSize": total}
    payload: dict[str, object] = {"meta": {"paging": paging}, "status": {"code": 200}}
    if items:
        payload["imports"] = items
    return reply(200, payload)


def test_lists_are_read_page_by_page(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A list longer than the server's page is read to its end, offsets following."""
    a, b, c = ({"id": f"11200000000{i}", "name": f"I{i}"} for i in range(3))
    path = f"{MODEL_PATH}/imports"
    script = signed_in(Script()).on("GET", path, page([a, b], 3, 0), page([c], 3, 2))
    items = run(
        make_anaplan_client(script),
        lambda cl: cl.get_list(ImportInfo, path.removeprefix("/2/0"), "imports"),
    )
    assert [i.id for i in items] == ["112000000000", "112000000001", "112000000002"]
    offsets = [c.url.params["offset"] for c in script.calls if c.method == "GET"]
    assert offsets == ["0", "2"]


def test_empty_list_leaves_its_key_out(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """An answer without the list key (Anaplan's empty list) reads as no entries."""
    path = f"{MODEL_PATH}/imports"
    script = signed_in(Script()).on("GET", path, page([], 0, 0))
    items = run(
        make_anaplan_client(script),
        lambda cl: cl.get_list(ImportInfo, path.removeprefix("/2/0"), "imports"),
    )
    assert items == []


def test_ids_are_escaped_as_one_path_segment() -> None:
    """An id with a slash cannot climb out of its segment."""
    assert segment("a/../b") == "a%2F..%2Fb"
    assert ModelRef("w s", "M").path == "/workspaces/w%20s/models/M"


def test_client_repr_shows_no_secret(
    make_anaplan_client: MakeClient, client_password: SecretStr
) -> None:
    """The client's repr names the API, never the password."""
    client = make_anaplan_client(Script())
    text = repr(client)
    asyncio.run(client.aclose())
    assert "127.0.0.1" in text
    assert client_password.get_secret_value() not in text


def test_logs_carry_no_secret(
    make_anaplan_client: MakeClient, client_password: SecretStr, caplog: pytest.LogCaptureFixture
) -> None:
    """Sign-in, a throttled call and a renewal log nothing secret, even at DEBUG."""
    token_1, token_2 = secrets.token_hex(12), secrets.token_hex(12)
    script = (
        Script()
        .on(
            "POST",
            "/token/authenticate",
            token_answer(token_1, T0 + 1800),
            token_answer(token_2, T0 + 3600),
        )
        .on("GET", STATUS, reply(429, {}, **{"Retry-After": "1"}), reply(401), reply(200, IDLE))
    )
    with caplog.at_level(logging.DEBUG):
        run(make_anaplan_client(script), lambda c: c.get(ModelStatusAnswer, "/models/M1/status"))
    assert "retry 1 of 3" in caplog.text
    assert "signing in again" in caplog.text
    for secret in (client_password.get_secret_value(), token_1, token_2):
        assert secret not in caplog.text
