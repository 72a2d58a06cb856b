"""CloudEvents envelopes: structured JSON and binary `ce_` headers around any SCIM form."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from uam_events.core.events import UserDeactivated, UserPatched
from uam_events.errors import MalformedInput
from uam_events.scim import decode_scim

Payload = Callable[[str], Any]
HEADERS = {
    "ce_specversion": b"1.0",
    "ce_type": b"com.example.scim.user",
    "ce_source": b"https://idp.example.com",
    "ce_id": b"7b1e",
    "content-type": b"application/json",
}


def wire(value: Any) -> bytes:
    """Return a JSON value as record bytes."""
    return json.dumps(value).encode()


def envelope(**members: Any) -> dict[str, Any]:
    """Return a structured CloudEvent with `members` added."""
    return {
        "specversion": "1.0",
        "type": "com.example.scim",
        "source": "/idp",
        "id": "1",
        **members,
    }


def test_structured_event_around_a_plain_operation(payload: Payload) -> None:
    """The data of a structured event is decoded like an unwrapped record."""
    (event,) = decode_scim(wire(payload("cloudevents-structured-plain-op.json")), "u-ben")
    assert isinstance(event, UserPatched)
    assert event.operations[0].value is False


def test_structured_event_around_set_claims(payload: Payload) -> None:
    """A SET in `data` yields its events."""
    events = decode_scim(wire(payload("cloudevents-structured-set.json")), None)
    assert events == [UserDeactivated("44f6142df96bd6ab61e7521d9")]


def test_structured_event_around_a_compact_jwt(payload: Payload) -> None:
    """`data` may be the compact JWT string itself."""
    token = jwt.encode(payload("scim-events-set-deactivate-opaque.json"), None, algorithm="none")
    value = envelope(datacontenttype="application/secevent+jwt", data=token)
    assert decode_scim(wire(value), None) == [UserDeactivated("44f6142df96bd6ab61e7521d9")]


def test_structured_event_with_data_base64(payload: Payload) -> None:
    """`data_base64` holds the bytes of any SCIM form."""
    inner = wire(payload("cloudevents-structured-plain-op.json")["data"])
    value = envelope(data_base64=base64.b64encode(inner).decode())
    assert isinstance(decode_scim(wire(value), None)[0], UserPatched)


def test_binary_event_with_a_plain_operation() -> None:
    """With `ce_` headers the record value is the data."""
    value = wire({"op": "delete", "id": "u-1"})
    assert [event.user_id for event in decode_scim(value, None, HEADERS)] == ["u-1"]


def test_binary_event_with_a_compact_jwt(payload: Payload) -> None:
    """A binary event whose data is a JWT decodes the token."""
    token = jwt.encode(payload("scim-events-set-deactivate-opaque.json"), None, algorithm="none")
    headers = {**HEADERS, "content-type": b"application/secevent+jwt"}
    assert decode_scim(token.encode(), None, headers) == [
        UserDeactivated("44f6142df96bd6ab61e7521d9")
    ]


def test_headers_without_specversion_are_not_an_envelope() -> None:
    """Other record headers leave the value to be read as it is."""
    value = wire({"op": "delete", "id": "u-1"})
    assert decode_scim(value, None, {"traceparent": b"00-abc"})[0].user_id == "u-1"


@pytest.mark.parametrize(
    ("value", "field", "problem"),
    [
        (envelope(specversion="0.3", data={}), "specversion", "'0.3'"),
        ({"specversion": "1.0", "data": {"op": "delete", "id": "a"}}, "type", "non-empty string"),
        (envelope(), "data", "no data"),
        (envelope(data=None), "data", "no data"),
        (envelope(data={}, data_base64="e30="), "data", "both"),
        (envelope(data_base64="%%%"), "data_base64", "not base64"),
        (envelope(data={"op": "move", "id": "a"}), "data.op", "unknown op"),
        (envelope(data=envelope(data={"op": "delete", "id": "a"})), "data.specversion", "inside"),
        (envelope(data_base64=base64.b64encode(b"\xff").decode()), "data", "UTF-8"),
        (envelope(data=[1]), "data", "expected a JSON object"),
    ],
)
def test_bad_structured_events_are_malformed(value: Any, field: str, problem: str) -> None:
    """Each refusal names the envelope member at fault, or the member inside its data."""
    with pytest.raises(MalformedInput) as error:
        decode_scim(wire(value), None)
    assert error.value.field == field
    assert problem in error.value.problem


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({**HEADERS, "ce_specversion": b"2.0"}, "headers.ce_specversion"),
        ({"ce_specversion": b"1.0"}, "headers.ce_type"),
        ({**HEADERS, "ce_type": b"\xff"}, "headers.ce_type"),
    ],
)
def test_bad_binary_headers_are_malformed(headers: dict[str, bytes], field: str) -> None:
    """A binary event of another version, without a type, or with unreadable headers is refused."""
    with pytest.raises(MalformedInput) as error:
        decode_scim(wire({"op": "delete", "id": "a"}), None, headers)
    assert error.value.field == field


def test_binary_event_cannot_wrap_a_structured_one() -> None:
    """An envelope is applied once: binary headers around a structured event are refused."""
    value = wire(envelope(data={"op": "delete", "id": "a"}))
    with pytest.raises(MalformedInput, match="inside a CloudEvent"):
        decode_scim(value, None, HEADERS)
