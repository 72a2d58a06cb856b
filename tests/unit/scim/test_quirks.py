"""Platform quirks normalised at the edge: dotted and URN keys, bare manager ids, passwords."""

from __future__ import annotations

import pytest

from uam_events.core.scim_user import ENTERPRISE_URN, AttributePath
from uam_events.errors import InvalidInput, MalformedInput
from uam_events.scim.quirks import expand_attributes, normalise_value


def test_dotted_keys_nest_into_their_complex_attribute() -> None:
    """Entra ID's `name.givenName` key becomes `{"name": {"givenName": ...}}`."""
    assert expand_attributes({"name.givenName": "A", "Name.FamilyName": "B"}, "value") == {
        "name": {"givenName": "A", "familyName": "B"}
    }


def test_dotted_keys_merge_with_an_object_of_the_same_attribute() -> None:
    """`name` as an object and `name.familyName` as a key end up in one object."""
    assert expand_attributes({"name": {"givenName": "A"}, "name.familyName": "B"}, "value") == {
        "name": {"givenName": "A", "familyName": "B"}
    }


def test_urn_qualified_keys_move_into_their_extension() -> None:
    """`urn:...:enterprise:2.0:User:manager` as a key is the extension's manager."""
    expanded = expand_attributes({f"{ENTERPRISE_URN}:manager": "m-1"}, "value")
    assert expanded == {ENTERPRISE_URN: {"manager": {"value": "m-1"}}}


def test_core_urn_object_merges_into_the_top_level() -> None:
    """An object under the core schema URN holds core attributes."""
    expanded = expand_attributes(
        {"urn:ietf:params:scim:schemas:core:2.0:User": {"displayName": "D"}}, "value"
    )
    assert expanded == {"displayName": "D"}


def test_custom_extension_keeps_its_urn_and_names() -> None:
    """A custom extension's attributes stay under its own URN, as spelled."""
    urn = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
    assert expand_attributes({f"{urn}:badgeId": "b-7"}, "value") == {urn: {"badgeId": "b-7"}}


def test_keys_that_are_not_attribute_names_are_kept_as_sent() -> None:
    """Unknown, odd keys are kept rather than refused: they are not read anyway."""
    assert expand_attributes({"@odata.type": "x"}, "value") == {"@odata.type": "x"}


def test_password_is_dropped_wherever_it_is() -> None:
    """`password` and `PASSWORD` never reach the stored resource."""
    assert expand_attributes({"password": "a", "PASSWORD": "b", "title": "t"}, "v") == {
        "title": "t"
    }


def test_members_key_is_a_group_attribute() -> None:
    """A value carrying `members` belongs to a Group, which is refused."""
    with pytest.raises(MalformedInput, match="Group"):
        expand_attributes({"members": []}, "value")


def test_active_string_in_attributes_is_read() -> None:
    """`"active": "false"` becomes false; nonsense is invalid and names the key."""
    assert expand_attributes({"active": "false"}, "value") == {"active": False}
    with pytest.raises(InvalidInput) as error:
        expand_attributes({"active": "no"}, "value")
    assert error.value.field == "value.active"


def test_manager_path_value_as_bare_id_becomes_an_object() -> None:
    """A bare id written to the manager path is stored as `{"value": id}`."""
    path = AttributePath("manager", schema=ENTERPRISE_URN)
    assert normalise_value(path, "m-1", "value") == {"value": "m-1"}


def test_active_path_value_is_read_as_a_boolean() -> None:
    """A path `active` takes "True"/"False" strings."""
    assert normalise_value(AttributePath("active"), "TRUE", "value") is True
