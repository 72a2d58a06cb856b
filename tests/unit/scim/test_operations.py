"""Plain operations: create, replace, patch and delete, and where the user id comes from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from uam_events.core.events import UserCreated, UserDeleted, UserPatched, UserReplaced
from uam_events.errors import MalformedInput
from uam_events.scim.operations import decode_operation

Payload = Callable[[str], Any]


def test_create_carries_the_normalised_resource(payload: Payload) -> None:
    """`create` yields UserCreated with the stored form of the resource."""
    (event,) = decode_operation(
        {"op": "create", "id": "u-li", "resource": payload("okta-create-user.json")}, None, ""
    )
    assert isinstance(event, UserCreated)
    assert event.user_id == "u-li"
    assert "password" not in event.resource


def test_replace_is_read_without_case(payload: Payload) -> None:
    """`Replace` is a replace; the id comes from the resource when the value has none."""
    (event,) = decode_operation(
        {"op": "Replace", "resource": payload("okta-replace-user.json")}, "key", ""
    )
    assert event == UserReplaced("u-li", event.resource)  # type: ignore[union-attr]


def test_patch_carries_parsed_operations(payload: Payload) -> None:
    """`patch` yields UserPatched with the operations of its PatchOp."""
    (event,) = decode_operation(
        {"op": "PATCH", "id": "u-1", "patch": payload("okta-patch-no-path.json")}, None, ""
    )
    assert isinstance(event, UserPatched)
    assert event.operations[0].value == {"active": False}


def test_delete_needs_only_an_id() -> None:
    """`delete` yields UserDeleted; the record key stands in for a missing id."""
    assert decode_operation({"op": "delete"}, "u-9", "") == [UserDeleted("u-9")]


def test_value_id_wins_over_resource_id_and_key() -> None:
    """The value's id is the user id, whatever the resource or key say."""
    (event,) = decode_operation(
        {"op": "create", "id": "a", "resource": {"id": "b", "userName": "x"}}, "c", ""
    )
    assert event.user_id == "a"


@pytest.mark.parametrize(
    ("value", "key", "field", "problem"),
    [
        ({"op": "upsert", "id": "a"}, None, "op", "unknown op 'upsert'"),
        ({"op": 1, "id": "a"}, None, "op", "unknown op 1"),
        ({"op": "delete"}, None, "id", "no user id"),
        ({"op": "delete", "id": 7}, None, "id", "non-empty string"),
        ({"op": "delete", "id": ""}, "k", "id", "non-empty string"),
        ({"op": "create", "id": "a"}, None, "resource", "expected an object"),
        ({"op": "patch", "id": "a"}, None, "patch", "expected an object"),
        ({"op": "create", "resource": {"id": 5, "userName": "u"}}, "k", "resource.id", "string"),
    ],
)
def test_bad_operations_are_malformed(
    value: dict[str, Any], key: str | None, field: str, problem: str
) -> None:
    """Each refusal names the member at fault."""
    with pytest.raises(MalformedInput) as error:
        decode_operation(value, key, "")
    assert error.value.field == field
    assert problem in error.value.problem


def test_fields_are_prefixed_inside_an_envelope() -> None:
    """Inside a CloudEvent the field names start at its data."""
    with pytest.raises(MalformedInput) as error:
        decode_operation({"op": "patch", "id": "a", "patch": {"Operations": []}}, None, "data")
    assert error.value.field == "data.patch.Operations"
