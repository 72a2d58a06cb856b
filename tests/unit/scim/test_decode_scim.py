"""decode_scim: the one entry point, over the shared example and over arbitrary bytes."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from uam_events.core.events import UserCreated, UserPatched
from uam_events.core.scim_user import apply_patch, profile_from_resource
from uam_events.errors import InputError, MalformedInput
from uam_events.scim import decode_scim


def scim_records(example: Path) -> list[dict[str, Any]]:
    """Return the `scim.users` lines of the shared example's events file."""
    lines = (example / "events.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    return [record for record in records if record["topic"] == "scim.users"]


def test_the_shared_example_decodes_as_designed(example: Path) -> None:
    """Creates decode, Ben's `Replace active "False"` deactivates him, Dev's `move` is refused."""
    stored: dict[str, dict[str, Any]] = {}
    refused: list[str] = []
    for record in scim_records(example):
        try:
            events = decode_scim(json.dumps(record["value"]).encode(), record["key"])
        except MalformedInput as error:
            refused.append(f"{record['key']} {error.field}")
            continue
        for event in events:
            if isinstance(event, UserCreated):
                stored[event.user_id] = event.resource
            elif isinstance(event, UserPatched):
                stored[event.user_id] = apply_patch(stored[event.user_id], event.operations)
    assert refused == ["u-dev patch.Operations[0].op"]
    assert profile_from_resource(stored["u-ben"]).active is False
    assert profile_from_resource(stored["u-anna"]).attributes == {
        "department": "Sales",
        "email": "anna@example.com",
        "familyName": "Berg",
        "givenName": "Anna",
        "userName": "anna@example.com",
    }


@pytest.mark.parametrize(
    ("value", "field", "problem"),
    [
        (b"", "value", "not JSON"),
        (b"{", "value", "not JSON"),
        (b"\xff\xfe", "value", "UTF-8"),
        (b'{"op": NaN}', "value", "not JSON"),
        (b"[]", "value", "expected a JSON object"),
        (b'"just text"', "value", "expected a JSON object"),
        (b'{"userName": "a"}', "value", "no op, events or specversion"),
        (b'{"op": "delete", "id": "a", "n": 1e400}', "value", "out of range"),
        (b'{"op": "delete", "id": "a", "id": "b"}', "value", "written twice"),
        (b"[" * 5000 + b"]" * 5000, "value", "nests too deeply"),
        (b'{"op": "delete", "id": "a", "x": ' + b"[" * 40 + b"]" * 40 + b"}", "value", "deeper"),
    ],
)
def test_unreadable_values_are_malformed(value: bytes, field: str, problem: str) -> None:
    """Bytes that are no SCIM event at all are malformed, naming the value."""
    with pytest.raises(MalformedInput) as error:
        decode_scim(value, "k")
    assert error.value.field == field
    assert problem in error.value.problem


def test_a_json_string_holding_a_jwt_is_a_token() -> None:
    """Replay files may hold a compact JWT as a JSON string value."""
    claims = {
        "sub_id": {"format": "opaque", "id": "u"},
        "events": {"urn:ietf:params:SCIM:event:prov:delete": {}},
    }
    token = jwt.encode(claims, None, algorithm="none")
    assert decode_scim(json.dumps(token).encode(), None)[0].user_id == "u"


def test_an_empty_key_counts_as_no_key() -> None:
    """A record key of "" cannot stand in for the user id."""
    with pytest.raises(MalformedInput, match="no user id"):
        decode_scim(b'{"op": "delete"}', "")


STORED: dict[str, Any] = {
    "userName": "maja@contoso.example",
    "active": True,
    "emails": [{"value": "maja@contoso.example", "type": "work", "primary": True}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
PATHS = st.sampled_from(
    [
        "active",
        "userName",
        "name.givenName",
        "emails",
        'emails[type eq "work"].value',
        'emails[type eq "work" or primary pr]',
        "emails.primary",
        "department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    ]
)
SHAPES = st.fixed_dictionaries(
    {"op": st.sampled_from(["create", "replace", "patch", "delete", "Patch", "move"])},
    optional={
        "id": JSON,
        "resource": JSON,
        "patch": st.fixed_dictionaries(
            {
                "Operations": st.lists(
                    st.fixed_dictionaries(
                        {"op": st.sampled_from(["add", "Replace", "remove", "copy"])},
                        optional={"path": st.text(max_size=20) | JSON, "value": JSON},
                    ),
                    max_size=3,
                )
            }
        ),
    },
) | st.fixed_dictionaries(
    {"events": st.dictionaries(st.text(max_size=45), JSON, max_size=2)}, optional={"sub_id": JSON}
)


@given(st.binary(max_size=64))
def test_arbitrary_bytes_decode_or_raise_input_errors(value: bytes) -> None:
    """No byte string makes decode_scim fail with anything but an InputError."""
    with contextlib.suppress(InputError):
        decode_scim(value, None)


@given(SHAPES, st.sampled_from([None, "k"]))
def test_near_miss_values_decode_or_raise_input_errors(value: Any, key: str | None) -> None:
    """Near-miss values decode (and their patches apply) or fail as InputError, never otherwise."""
    refusal: InputError | None = None
    try:
        for event in decode_scim(json.dumps(value).encode(), key):
            if isinstance(event, UserPatched):
                apply_patch(STORED, event.operations)
    except InputError as error:
        refusal = error
    assert refusal is None or (refusal.field and refusal.problem and refusal.fix)
