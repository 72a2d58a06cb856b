"""SCIM Events SETs (RFC 9967): event URIs, subjects, data, and the order events apply in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from uam_events.core.events import (
    UserActivated,
    UserCreated,
    UserDeactivated,
    UserDeleted,
    UserPatched,
    UserReplaced,
)
from uam_events.core.scim_user import ENTERPRISE_URN, profile_from_resource
from uam_events.errors import MalformedInput
from uam_events.scim.sets import decode_set

Payload = Callable[[str], Any]
USER = "44f6142df96bd6ab61e7521d9"
DELETE = "urn:ietf:params:SCIM:event:prov:delete"


def claims(events: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Return SET claims about USER carrying `events`."""
    return {"sub_id": {"format": "scim", "uri": f"/Users/{USER}"}, "events": events, **extra}


def test_create_full(payload: Payload) -> None:
    """prov:create:full yields UserCreated with the resource in `data`."""
    (event,) = decode_set(payload("scim-events-set-create-full.json"), None, "")
    assert isinstance(event, UserCreated)
    assert event.user_id == USER
    profile = profile_from_resource(event.resource)
    assert profile.active is True
    assert profile.workspaces == frozenset({"8a81b09e5f8e7c1b015f9a1e2c3d4e5f"})
    assert profile.attributes["department"] == "Sales"


def test_put_full_with_an_absolute_subject_uri(payload: Payload) -> None:
    """prov:put:full yields UserReplaced; a full URL in `sub_id.uri` names the user too."""
    (event,) = decode_set(payload("scim-events-set-put-full.json"), None, "")
    assert isinstance(event, UserReplaced)
    assert event.user_id == USER


def test_patch_full(payload: Payload) -> None:
    """prov:patch:full yields UserPatched with the PatchOp in `data` parsed."""
    (event,) = decode_set(payload("scim-events-set-patch-full.json"), None, "")
    assert isinstance(event, UserPatched)
    assert [operation.op for operation in event.operations] == ["replace", "add", "replace"]
    assert event.operations[2].path is not None
    assert event.operations[2].path.schema == ENTERPRISE_URN


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("scim-events-set-delete.json", UserDeleted(USER)),
        ("scim-events-set-activate.json", UserActivated(USER)),
        ("scim-events-set-deactivate-opaque.json", UserDeactivated(USER)),
    ],
)
def test_lifecycle_events(payload: Payload, name: str, expected: object) -> None:
    """delete, activate and deactivate carry only the subject (scim or opaque)."""
    assert decode_set(payload(name), None, "") == [expected]


def test_several_events_apply_in_a_fixed_order(payload: Payload) -> None:
    """create, put, patch, activate, deactivate, delete, whatever order the JSON lists."""
    events = decode_set(payload("scim-events-set-multiple.json"), None, "")
    assert [type(event) for event in events] == [
        UserCreated,
        UserReplaced,
        UserPatched,
        UserActivated,
        UserDeactivated,
        UserDeleted,
    ]


def test_event_uris_match_without_case() -> None:
    """`urn:ietf:params:scim:event:PROV:DELETE` is the delete event."""
    assert decode_set(claims({"urn:ietf:params:scim:event:PROV:DELETE": {}}), None, "") == [
        UserDeleted(USER)
    ]


def test_create_notice_is_refused(payload: Payload) -> None:
    """A notice names changed attributes but not their values: send the full event."""
    with pytest.raises(MalformedInput) as error:
        decode_set(payload("scim-events-set-create-notice.json"), None, "")
    assert error.value.field == 'events["urn:ietf:params:SCIM:event:prov:create:notice"]'
    assert "full" in error.value.fix


def test_group_subject_is_refused(payload: Payload) -> None:
    """A `/Groups/..` subject is not consumed; map groups to identity attributes."""
    with pytest.raises(MalformedInput) as error:
        decode_set(payload("scim-events-set-create-group.json"), None, "")
    assert error.value.field == "sub_id.uri"
    assert error.value.fix == "map groups to attributes on the identity topic"


def test_group_resource_is_refused_whatever_the_subject(payload: Payload) -> None:
    """A Group schema in `data` is refused even under a /Users subject."""
    group = payload("scim-events-set-create-group.json")
    group["sub_id"] = {"format": "opaque", "id": "x"}
    with pytest.raises(MalformedInput, match="Group"):
        decode_set(group, None, "")


@pytest.mark.parametrize(
    "uri",
    [
        "urn:ietf:params:SCIM:event:feed:add",
        "urn:ietf:params:SCIM:event:misc:asyncResp",
        "https://schemas.openid.net/secevent/caep/event-type/session-revoked",
        "urn:ietf:params:SCIM:event:prov:move",
    ],
)
def test_unknown_event_uris_are_refused(uri: str) -> None:
    """Anything but the six provisioning events is malformed, naming the URI."""
    with pytest.raises(MalformedInput) as error:
        decode_set(claims({uri: {}}), None, "")
    assert uri in error.value.problem


def test_subject_falls_back_to_the_resource_id_then_the_key() -> None:
    """Without sub_id, the created resource's id names the user, else the record key."""
    create = {"urn:ietf:params:SCIM:event:prov:create:full": {"data": {"id": "r", "userName": "u"}}}
    assert decode_set({"events": create}, "k", "")[0].user_id == "r"
    assert decode_set({"events": {DELETE: {}}}, "k", "") == [UserDeleted("k")]


@pytest.mark.parametrize(
    ("value", "field", "problem"),
    [
        ({"events": {}}, "events", "empty"),
        ({"events": []}, "events", "expected an object"),
        ({}, "events", "expected an object"),
        ({"events": {DELETE: {}}}, "sub_id", "no subject"),
        ({"sub_id": "u", "events": {DELETE: {}}}, "sub_id", "expected an object"),
        (
            {"sub_id": {"format": "email", "email": "a@b"}, "events": {DELETE: {}}},
            "sub_id.format",
            "'email'",
        ),
        (
            {"sub_id": {"format": "scim", "uri": "/Things/1"}, "events": {DELETE: {}}},
            "sub_id.uri",
            "User",
        ),
        ({"sub_id": {"format": "opaque"}, "events": {DELETE: {}}}, "sub_id.id", "string"),
        (
            {"sub_id": {"format": "scim", "uri": "http://[::1/Users/x"}, "events": {DELETE: {}}},
            "sub_id.uri",
            "does not name a User",
        ),
        (
            claims({"urn:ietf:params:SCIM:event:prov:create:full": {}}),
            'events["urn:ietf:params:SCIM:event:prov:create:full"].data',
            "no data",
        ),
        (
            claims({"urn:ietf:params:SCIM:event:prov:patch:full": {"data": {"Operations": []}}}),
            'events["urn:ietf:params:SCIM:event:prov:patch:full"].data.Operations',
            "empty",
        ),
        (
            claims({DELETE: {}, "urn:ietf:params:scim:event:prov:DELETE": {}}),
            'events["urn:ietf:params:scim:event:prov:DELETE"]',
            "twice",
        ),
    ],
)
def test_bad_sets_are_malformed(value: dict[str, Any], field: str, problem: str) -> None:
    """Each refusal names the claim at fault."""
    with pytest.raises(MalformedInput) as error:
        decode_set(value, None, "")
    assert error.value.field == field
    assert problem in error.value.problem


def test_scim_subject_may_carry_an_id_instead_of_a_uri() -> None:
    """`{"format": "scim", "id": ...}` is read when there is no uri."""
    value = {"sub_id": {"format": "scim", "id": "u-7"}, "events": {DELETE: {}}}
    assert decode_set(value, None, "") == [UserDeleted("u-7")]
