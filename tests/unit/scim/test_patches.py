"""PatchOp bodies as Entra ID, Okta and RFC 7644 send them, parsed and applied to a stored user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from uam_events.core.scim_filter import Comparison
from uam_events.core.scim_user import (
    ENTERPRISE_URN,
    AttributePath,
    PatchOperation,
    apply_patch,
    profile_from_resource,
)
from uam_events.errors import InvalidInput, MalformedInput
from uam_events.scim.patches import read_patch
from uam_events.scim.resources import read_user

Payload = Callable[[str], Any]
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def operations(*ops: dict[str, Any]) -> tuple[PatchOperation, ...]:
    """Return the parsed operations of a PatchOp body holding `ops`."""
    return read_patch({"schemas": [PATCH_OP], "Operations": list(ops)}, "patch")


def stored(payload: Payload, name: str) -> dict[str, Any]:
    """Return a payload resource as a create would store it."""
    return read_user(payload(name), "resource")


def after(payload: Payload, resource: str, patch: str) -> dict[str, Any]:
    """Return the stored resource `resource` after the PatchOp file `patch`."""
    return apply_patch(stored(payload, resource), read_patch(payload(patch), "patch"))


# --- Entra ID -----------------------------------------------------------------------------------


def test_entra_replace_active_string(payload: Payload) -> None:
    """`{"op": "Replace", "path": "active", "value": "False"}` deactivates."""
    (operation,) = read_patch(payload("entra-patch-replace-active-string.json"), "patch")
    assert operation == PatchOperation("replace", AttributePath("active"), False)
    result = after(payload, "entra-create-user.json", "entra-patch-replace-active-string.json")
    assert profile_from_resource(result).active is False


def test_entra_replace_email_through_a_filter(payload: Payload) -> None:
    """The work email changes in place and the family name with it."""
    result = after(payload, "entra-create-user.json", "entra-patch-replace-email-filter.json")
    assert result["emails"] == [
        {"primary": True, "type": "work", "value": "maja.lind-berg@contoso.example"}
    ]
    assert result["name"]["familyName"] == "Lind-Berg"


def test_entra_add_through_a_filter_that_matches_nothing_adds_the_email(payload: Payload) -> None:
    """Entra ID adds `emails[type eq "work"].value` to a user without emails; it becomes primary."""
    resource = {"userName": "noor@contoso.example", "active": True}
    result = apply_patch(resource, read_patch(payload("entra-patch-add-email-no-match.json"), "p"))
    assert result["emails"] == [
        {"type": "work", "value": "noor.haddad@contoso.example", "primary": True}
    ]
    assert profile_from_resource(result).attributes["email"] == "noor.haddad@contoso.example"


def test_entra_manager_bare_id_becomes_an_object(payload: Payload) -> None:
    """A manager sent as a bare id is stored as `{"value": id}` and read as the manager."""
    result = after(payload, "entra-create-user.json", "entra-patch-manager-bare-id.json")
    assert result[ENTERPRISE_URN]["manager"] == {"value": "9b4c2d1e-7f6a-4b3c-8d2e-1f0a9b8c7d6e"}
    assert (
        profile_from_resource(result).attributes["manager"]
        == "9b4c2d1e-7f6a-4b3c-8d2e-1f0a9b8c7d6e"
    )


def test_entra_remove_manager(payload: Payload) -> None:
    """Removing the URN-qualified manager drops it and keeps the other enterprise attributes."""
    result = after(payload, "entra-create-user.json", "entra-patch-remove-manager.json")
    assert "manager" not in result[ENTERPRISE_URN]
    assert result[ENTERPRISE_URN]["department"] == "Sales"


def test_entra_no_path_value_with_dotted_and_urn_keys(payload: Payload) -> None:
    """`name.familyName` and `urn:...:department` keys nest where they belong."""
    (operation,) = read_patch(payload("entra-patch-no-path-dotted-keys.json"), "patch")
    assert operation.value == {
        "name": {"formatted": "Maja Lind-Berg", "familyName": "Lind-Berg"},
        ENTERPRISE_URN: {"department": "Finance"},
        "active": True,
    }
    result = after(payload, "entra-create-user.json", "entra-patch-no-path-dotted-keys.json")
    assert result["name"] == {
        "formatted": "Maja Lind-Berg",
        "familyName": "Lind-Berg",
        "givenName": "Maja",
    }
    assert result[ENTERPRISE_URN]["department"] == "Finance"
    assert result[ENTERPRISE_URN]["costCenter"] == "CC-4410"


def test_entra_enterprise_attributes(payload: Payload) -> None:
    """URN-qualified replace and add change the profile's enterprise attributes."""
    result = after(payload, "entra-create-user.json", "entra-patch-enterprise-attributes.json")
    attributes = profile_from_resource(result).attributes
    assert attributes["department"] == "Finance"
    assert attributes["costCenter"] == "CC-5120"
    assert attributes["title"] == "Finance Controller"


# --- Okta ---------------------------------------------------------------------------------------


def test_okta_no_path_deactivation(payload: Payload) -> None:
    """`{"op": "replace", "value": {"active": false}}` deactivates."""
    result = after(payload, "okta-create-user.json", "okta-patch-no-path.json")
    assert result["active"] is False


def test_okta_password_only_patch_carries_no_operation(payload: Payload) -> None:
    """A password change is dropped: the password is never stored."""
    assert read_patch(payload("okta-patch-password.json"), "patch") == ()


# --- RFC 7644 -----------------------------------------------------------------------------------


def test_rfc7644_add_without_path(payload: Payload) -> None:
    """RFC 7644 3.5.2.1: the email is appended and `nickname` is stored as `nickName`."""
    result = after(payload, "rfc7643-8.3-enterprise-user.json", "rfc7644-3.5.2.1-add-no-path.json")
    assert result["nickName"] == "Babs"
    assert [e["value"] for e in result["emails"]] == ["bjensen@example.com", "babs@jensen.org"]


def test_rfc7644_remove_with_a_filter(payload: Payload) -> None:
    """RFC 7644 3.5.2.2: `emails[type eq "work" and value ew "example.com"]` goes."""
    result = after(
        payload, "rfc7643-8.3-enterprise-user.json", "rfc7644-3.5.2.2-remove-filter.json"
    )
    assert [e["value"] for e in result["emails"]] == ["babs@jensen.org"]


def test_rfc7644_replace_a_whole_record_then_one_sub_attribute(payload: Payload) -> None:
    """RFC 7644 3.5.2.3: the work address is replaced, then its street changes."""
    result = after(
        payload, "rfc7643-8.3-enterprise-user.json", "rfc7644-3.5.2.3-replace-address.json"
    )
    work, home = result["addresses"]
    assert work["streetAddress"] == "1010 Broadway Ave"
    assert work["locality"] == "Hollywood"
    assert work["primary"] is True
    assert home["type"] == "home"


def test_rfc7644_group_members_are_refused(payload: Payload) -> None:
    """A `members` path belongs to a Group, which is not consumed."""
    with pytest.raises(MalformedInput) as error:
        read_patch(payload("rfc7644-3.5.2-group-members.json"), "patch")
    assert error.value.field == "patch.Operations[0].path"
    assert "identity topic" in error.value.fix


# --- the body and each operation ----------------------------------------------------------------


def test_ops_are_read_without_case() -> None:
    """`Add`, `REPLACE` and `Remove` are add, replace and remove."""
    parsed = operations(
        {"op": "Add", "path": "title", "value": "x"},
        {"op": "REPLACE", "path": "title", "value": "y"},
        {"op": "Remove", "path": "title"},
    )
    assert [operation.op for operation in parsed] == ["add", "replace", "remove"]


def test_a_missing_schemas_is_tolerated() -> None:
    """Some clients leave out `schemas`; Operations is what matters."""
    assert read_patch({"Operations": [{"op": "remove", "path": "title"}]}, "patch")


def test_operations_is_matched_without_case() -> None:
    """`operations` is the same member as `Operations` (names are case-insensitive)."""
    assert read_patch({"operations": [{"op": "remove", "path": "title"}]}, "patch")


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"schemas": [PATCH_OP], "Operations": []}, "patch.Operations", "empty"),
        ({"schemas": [PATCH_OP]}, "patch.Operations", "needs an Operations array"),
        ({"schemas": [PATCH_OP], "Operations": {}}, "patch.Operations", "an object"),
        (
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": []},
            "patch.schemas",
            "not a PatchOp",
        ),
        ({"Operations": ["remove"]}, "patch.Operations[0]", "expected an object"),
        ({"Operations": [{"op": "move", "path": "a"}]}, "patch.Operations[0].op", "'move'"),
        ({"Operations": [{"path": "a"}]}, "patch.Operations[0].op", "None"),
        ({"Operations": [{"op": "remove"}]}, "patch.Operations[0].path", "remove needs a path"),
        (
            {"Operations": [{"op": "add", "path": "title"}]},
            "patch.Operations[0].value",
            "needs a value",
        ),
        ({"Operations": [{"op": "add", "value": "x"}]}, "patch.Operations[0].value", "object"),
        (
            {"Operations": [{"op": "add", "path": 7, "value": 1}]},
            "patch.Operations[0].path",
            "string",
        ),
        (
            {"Operations": [{"op": "add", "value": {'emails[type eq "w"].value': "x"}}]},
            'patch.Operations[0].value["emails[type eq \\"w\\"].value"]',
            "filter",
        ),
    ],
)
def test_bad_bodies_are_malformed(body: dict[str, Any], field: str, problem: str) -> None:
    """Each refusal names the exact member at fault."""
    with pytest.raises(MalformedInput) as error:
        read_patch(body, "patch")
    assert error.value.field == field
    assert problem in error.value.problem


def test_move_is_refused_with_the_ops_that_exist() -> None:
    """`move` is JSON Patch, not SCIM: the fix lists add, replace and remove."""
    with pytest.raises(MalformedInput) as error:
        operations({"op": "move", "path": "active", "value": False})
    assert error.value.fix == "use add, replace or remove"


def test_one_bad_operation_fails_the_whole_body() -> None:
    """A bad second operation fails the body even though the first is fine."""
    with pytest.raises(MalformedInput) as error:
        operations({"op": "replace", "path": "title", "value": "x"}, {"op": "copy", "path": "a"})
    assert error.value.field == "patch.Operations[1].op"


def test_active_that_is_not_a_boolean_is_invalid() -> None:
    """`active: "maybe"` reads but breaks the rule that active is a boolean."""
    with pytest.raises(InvalidInput) as error:
        operations({"op": "replace", "path": "active", "value": "maybe"})
    assert error.value.field == "patch.Operations[0].value"


def test_active_string_in_a_no_path_value_is_a_boolean() -> None:
    """`{"active": "True"}` without path is stored as true."""
    (operation,) = operations({"op": "replace", "value": {"active": "True"}})
    assert operation.value == {"active": True}


def test_values_are_stored_in_canonical_spelling() -> None:
    """Sub-attribute names of a value are canonical: `Value`, `TYPE` become `value`, `type`."""
    (operation,) = operations(
        {"op": "add", "path": "emails", "value": [{"Value": "a", "TYPE": "work"}]}
    )
    assert operation.value == [{"value": "a", "type": "work"}]


def test_removing_user_name_is_invalid_when_applied() -> None:
    """A parsed `remove userName` fails when applied, naming its operation."""
    parsed = operations(
        {"op": "remove", "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName"}
    )
    with pytest.raises(InvalidInput) as error:
        apply_patch({"userName": "a", "active": True}, parsed)
    assert error.value.field == "Operations[0].path"


def test_password_paths_are_dropped() -> None:
    """A write to `password` is not carried; the other operations are."""
    parsed = operations(
        {"op": "replace", "path": "password", "value": "s3cret"},
        {"op": "replace", "path": "title", "value": "x"},
    )
    assert parsed == (PatchOperation("replace", AttributePath("title"), "x"),)


def test_whole_enterprise_extension_value_is_canonical() -> None:
    """A path naming the extension takes an object of its attributes in canonical spelling."""
    (operation,) = operations(
        {
            "op": "replace",
            "path": ENTERPRISE_URN,
            "value": {"Department": "Sales", "manager": "m-1"},
        }
    )
    assert operation.value == {"department": "Sales", "manager": {"value": "m-1"}}


def test_filter_path_value_keeps_its_filter() -> None:
    """The parsed operation carries the filter the core evaluates."""
    (operation,) = operations({"op": "remove", "path": 'emails[type eq "home"]'})
    assert operation.path == AttributePath("emails", value_filter=Comparison("type", "eq", "home"))
