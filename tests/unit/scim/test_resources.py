"""Created and replaced resources: a User with a userName, a boolean `active`, canonical names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from uam_events.core.scim_user import ENTERPRISE_URN, profile_from_resource
from uam_events.errors import InvalidInput, MalformedInput
from uam_events.scim.resources import read_user

Payload = Callable[[str], Any]


def test_entra_create_is_stored_with_its_profile(payload: Payload) -> None:
    """An Entra ID create yields the attributes predicates see."""
    profile = profile_from_resource(read_user(payload("entra-create-user.json"), "resource"))
    assert profile.active is True
    assert profile.attributes == {
        "userName": "maja.lind@contoso.example",
        "email": "maja.lind@contoso.example",
        "givenName": "Maja",
        "familyName": "Lind",
        "displayName": "Maja Lind",
        "title": "Account Executive",
        "employeeNumber": "701984",
        "costCenter": "CC-4410",
        "organization": "Contoso",
        "division": "EMEA",
        "department": "Sales",
        "manager": "c1a7e0d2-6b3f-4e8a-9d5c-2f7b8a9e0c1d",
    }


def test_entra_active_string_is_a_boolean(payload: Payload) -> None:
    """Entra ID's `"active": "True"` is stored as true."""
    assert read_user(payload("entra-create-user-active-string.json"), "resource")["active"] is True


def test_okta_password_is_never_stored(payload: Payload) -> None:
    """Okta sends the password in a create; it is dropped."""
    resource = read_user(payload("okta-create-user.json"), "resource")
    assert "password" not in resource
    assert resource["externalId"] == "00u1b2c3d4e5f6g7h8i9"


def test_okta_replace_keeps_the_primary_email(payload: Payload) -> None:
    """Okta's PUT with two work emails yields the primary one as the email."""
    resource = read_user(payload("okta-replace-user.json"), "resource")
    profile = profile_from_resource(resource)
    assert profile.attributes["email"] == "li.weichen@initech.example"
    assert profile.active is False


def test_rfc7643_enterprise_user_workspaces(payload: Payload) -> None:
    """Entitlements of type WORKSPACE, in any case, are the workspaces."""
    resource = read_user(payload("rfc7643-8.3-enterprise-user.json"), "resource")
    assert profile_from_resource(resource).workspaces == frozenset(
        {"8a81b09e5f8e7c1b015f9a1e2c3d4e5f", "8a81b09e5f8e7c1b015f9a1e2c3d4e60"}
    )


def test_missing_or_null_active_means_active() -> None:
    """A create or PUT without `active` is an active user (DESIGN 9)."""
    assert read_user({"userName": "a"}, "resource")["active"] is True
    assert read_user({"userName": "a", "active": None}, "resource")["active"] is True


@pytest.mark.parametrize("active", ["yes", 1, [], {}])
def test_active_that_is_not_a_boolean_is_invalid(active: Any) -> None:
    """Only booleans and "True"/"False" strings are read as `active`."""
    with pytest.raises(InvalidInput) as error:
        read_user({"userName": "a", "active": active}, "resource")
    assert error.value.field == "resource.active"


@pytest.mark.parametrize("user_name", [None, "", "  ", 42])
def test_user_name_is_required(user_name: Any) -> None:
    """A User without a non-empty string userName cannot be read."""
    with pytest.raises(MalformedInput) as error:
        read_user({"userName": user_name}, "resource")
    assert error.value.field == "resource.userName"


def test_group_resource_is_refused(payload: Payload) -> None:
    """A Group is not consumed; the fix points at the identity topic."""
    with pytest.raises(MalformedInput) as error:
        read_user(payload("rfc7643-8.7.1-group.json"), "resource")
    assert error.value.field == "resource"
    assert error.value.fix == "map groups to attributes on the identity topic"


def test_group_by_resource_type_is_refused() -> None:
    """`meta.resourceType: Group` marks a Group even without its schema."""
    with pytest.raises(MalformedInput, match="Group"):
        read_user({"displayName": "x", "meta": {"resourceType": "Group"}}, "resource")


def test_resource_that_is_not_an_object_is_malformed() -> None:
    """A resource must be a JSON object."""
    with pytest.raises(MalformedInput) as error:
        read_user(["userName"], "resource")
    assert error.value.field == "resource"


def test_names_are_stored_in_canonical_spelling() -> None:
    """`USERNAME`, `Name.GivenName`, the enterprise URN in capitals: all canonical."""
    resource = read_user(
        {
            "USERNAME": "a",
            "Name": {"GivenName": "A"},
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Department": "S"},
            "x-custom": 1,
        },
        "resource",
    )
    assert resource == {
        "userName": "a",
        "name": {"givenName": "A"},
        ENTERPRISE_URN: {"department": "S"},
        "x-custom": 1,
        "active": True,
    }


def test_enterprise_names_without_urn_move_into_the_extension() -> None:
    """A top-level `department` is the enterprise one: the core schema has no such name."""
    resource = read_user({"userName": "a", "department": "Sales"}, "resource")
    assert resource[ENTERPRISE_URN] == {"department": "Sales"}
