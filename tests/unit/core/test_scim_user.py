"""apply_patch (RFC 7644 3.5.2, all or nothing) and the profile a stored resource yields."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from uam_events.core.scim_filter import equalities
from uam_events.core.scim_user import (
    ENTERPRISE_URN,
    AttributePath,
    Comparison,
    Logical,
    PatchOperation,
    apply_patch,
    coerce_active,
    profile_from_resource,
    updated_profile,
)
from uam_events.errors import InputError, InvalidInput, MalformedInput

WORK = Comparison("type", "eq", "work")


def user(**extra: Any) -> dict[str, Any]:
    """Return a stored resource for Maja, with `extra` attributes merged in."""
    return {
        "userName": "maja@contoso.example",
        "active": True,
        "name": {"givenName": "Maja", "familyName": "Lind"},
        "emails": [{"value": "maja@contoso.example", "type": "work", "primary": True}],
        **extra,
    }


def op(kind: str, attribute: str | None = None, value: Any = None, **path: Any) -> PatchOperation:
    """Return one operation; `attribute` None means no path."""
    target = AttributePath(attribute, **path) if attribute is not None else None
    return PatchOperation(kind, target, value)  # type: ignore[arg-type]


def patched(resource: dict[str, Any], *operations: PatchOperation) -> dict[str, Any]:
    """Return `resource` after the operations."""
    return apply_patch(resource, operations)


# --- single-valued and complex attributes -------------------------------------------------------


def test_replace_sets_a_simple_attribute() -> None:
    """A replace with a path overwrites a single-valued attribute."""
    assert patched(user(), op("replace", "displayName", "Maja L"))["displayName"] == "Maja L"


def test_replace_of_a_sub_attribute_keeps_its_siblings() -> None:
    """`name.familyName` changes that sub-attribute only."""
    result = patched(user(), op("replace", "name", "Lind-Berg", sub_attribute="familyName"))
    assert result["name"] == {"givenName": "Maja", "familyName": "Lind-Berg"}


def test_replace_of_a_complex_attribute_merges_sub_attributes() -> None:
    """A replace on a complex attribute leaves unnamed sub-attributes alone (RFC 7644 3.5.2.3)."""
    result = patched(user(), op("replace", "name", {"familyName": "Berg"}))
    assert result["name"] == {"givenName": "Maja", "familyName": "Berg"}


def test_remove_of_the_last_sub_attribute_removes_the_attribute() -> None:
    """An emptied complex attribute is unassigned rather than left as {}."""
    result = patched(
        user(name={"givenName": "Maja"}), op("remove", "name", sub_attribute="givenName")
    )
    assert "name" not in result


def test_null_value_unassigns_the_attribute() -> None:
    """A replace with null is the same as removing the attribute (RFC 7643 2.5)."""
    assert "title" not in patched(user(title="Lead"), op("replace", "title", None))


def test_names_match_without_case_and_keep_the_stored_spelling() -> None:
    """A path `displayname` writes to the stored key `displayName`."""
    result = patched(user(displayName="A"), op("replace", "displayname", "B"))
    assert result["displayName"] == "B"
    assert "displayname" not in result


def test_remove_of_a_missing_attribute_is_a_no_op() -> None:
    """Removing what is not there changes nothing, so replays are harmless."""
    assert patched(user(), op("remove", "title")) == user()


# --- multi-valued attributes ----------------------------------------------------------------------


def test_add_appends_to_a_multi_valued_attribute_without_duplicates() -> None:
    """An add on `emails` appends new values and skips ones already there."""
    home = {"value": "maja@home.example", "type": "home"}
    result = patched(user(), op("add", "emails", [home, user()["emails"][0]]))
    assert result["emails"] == [*user()["emails"], home]


def test_replace_without_filter_replaces_every_value() -> None:
    """A replace on `emails` without filter replaces the whole list."""
    home = {"value": "maja@home.example", "type": "home"}
    assert patched(user(), op("replace", "emails", [home]))["emails"] == [home]


def test_filtered_sub_attribute_replace_changes_the_matching_value() -> None:
    """`emails[type eq "work"].value` changes the work address (Entra ID)."""
    result = patched(
        user(), op("replace", "emails", "m@x.example", value_filter=WORK, sub_attribute="value")
    )
    assert result["emails"] == [{"value": "m@x.example", "type": "work", "primary": True}]


def test_filtered_write_that_matches_nothing_adds_the_eq_element() -> None:
    """With no work email, the write adds one built from the eq filter (Entra ID)."""
    result = patched(
        user(emails=[]),
        op("add", "emails", "m@x.example", value_filter=WORK, sub_attribute="value"),
    )
    assert result["emails"] == [{"type": "work", "value": "m@x.example"}]


def test_filtered_write_that_matches_nothing_needs_an_eq_filter() -> None:
    """A `co` filter does not say what to add, so the write is invalid."""
    contains = Comparison("value", "co", "@x")
    with pytest.raises(InvalidInput) as error:
        patched(user(), op("replace", "emails", "y", value_filter=contains, sub_attribute="type"))
    assert error.value.field == "Operations[0].path"


def test_filtered_replace_of_a_whole_record_keeps_the_filtered_values() -> None:
    """Replacing `addresses[type eq "work"]` swaps the record and keeps its type."""
    resource = user(addresses=[{"type": "work", "locality": "Oslo"}, {"type": "home"}])
    bergen = op("replace", "addresses", {"locality": "Bergen"}, value_filter=WORK)
    result = patched(resource, bergen)
    assert result["addresses"] == [{"type": "work", "locality": "Bergen"}, {"type": "home"}]


def test_filtered_remove_removes_matching_values_and_then_the_attribute() -> None:
    """Removing the only work email leaves no `emails` at all."""
    assert "emails" not in patched(user(), op("remove", "emails", value_filter=WORK))


def test_remove_with_a_value_list_removes_only_those_values() -> None:
    """Entra ID removes single values by listing them in `value`."""
    resource = user(entitlements=[{"value": "w1", "type": "WORKSPACE"}, {"value": "w2"}])
    result = patched(resource, op("remove", "entitlements", [{"value": "w1"}]))
    assert result["entitlements"] == [{"value": "w2"}]


def test_sub_attribute_without_filter_applies_to_every_value() -> None:
    """`emails.type` on a multi-valued attribute sets the type of each value."""
    resource = user(emails=[{"value": "a"}, {"value": "b"}])
    result = patched(resource, op("replace", "emails", "work", sub_attribute="type"))
    assert [email["type"] for email in result["emails"]] == ["work", "work"]


def test_setting_primary_unsets_it_on_the_other_values() -> None:
    """At most one value is primary after a write sets one (RFC 7644 3.5.2)."""
    home = {"value": "maja@home.example", "type": "home", "primary": True}
    result = patched(user(), op("add", "emails", [home]))
    assert [email.get("primary") for email in result["emails"]] == [False, True]


# --- no path, extensions --------------------------------------------------------------------------


def test_no_path_add_merges_each_attribute() -> None:
    """An add without path merges complex attributes and appends to multi-valued ones."""
    home = {"value": "babs@jensen.org", "type": "home"}
    result = patched(
        user(), op("add", None, {"emails": [home], "nickName": "Babs", "name": {"middleName": "J"}})
    )
    assert result["nickName"] == "Babs"
    assert result["emails"][-1] == home
    assert result["name"] == {"givenName": "Maja", "familyName": "Lind", "middleName": "J"}


def test_no_path_value_with_an_extension_object_merges_into_the_extension() -> None:
    """`{urn: {department}}` keeps the extension's other attributes."""
    resource = user(**{ENTERPRISE_URN: {"department": "Sales", "costCenter": "C1"}})
    result = patched(resource, op("replace", None, {ENTERPRISE_URN: {"department": "Finance"}}))
    assert result[ENTERPRISE_URN] == {"department": "Finance", "costCenter": "C1"}


def test_no_path_remove_is_malformed() -> None:
    """A remove needs a path (RFC 7644 3.5.2.2 noTarget)."""
    with pytest.raises(MalformedInput) as error:
        patched(user(), op("remove", None))
    assert error.value.field == "Operations[0].path"


def test_no_path_value_must_be_an_object() -> None:
    """Without a path the value must be an object of attributes."""
    with pytest.raises(MalformedInput) as error:
        patched(user(), op("replace", None, "x"))
    assert error.value.field == "Operations[0].value"


def test_enterprise_attribute_write_creates_the_extension() -> None:
    """Writing `department` under the enterprise schema adds the extension object."""
    result = patched(user(), op("replace", "department", "Sales", schema=ENTERPRISE_URN))
    assert result[ENTERPRISE_URN] == {"department": "Sales"}


def test_removing_the_last_enterprise_attribute_removes_the_extension() -> None:
    """An emptied extension object is unassigned."""
    resource = user(**{ENTERPRISE_URN: {"manager": {"value": "m1"}}})
    result = patched(resource, op("remove", "manager", schema=ENTERPRISE_URN))
    assert ENTERPRISE_URN not in result


def test_remove_under_a_missing_extension_is_a_no_op() -> None:
    """Removing an enterprise attribute of a user without the extension changes nothing."""
    assert patched(user(), op("remove", "manager", schema=ENTERPRISE_URN)) == user()


# --- userName and active ------------------------------------------------------------------------


def test_removing_user_name_is_invalid() -> None:
    """userName is required, so removing it fails the operation with its index."""
    with pytest.raises(InvalidInput) as error:
        patched(user(), op("replace", "title", "x"), op("remove", "userName"))
    assert error.value.field == "Operations[1].path"


def test_emptying_user_name_is_invalid() -> None:
    """Replacing userName with a blank string is the same as removing it."""
    with pytest.raises(InvalidInput):
        patched(user(), op("replace", None, {"userName": " "}))


def test_removing_active_makes_the_user_inactive() -> None:
    """A removed `active` is absent, and an absent `active` is inactive."""
    result = patched(user(), op("remove", "active"))
    assert "active" not in result
    assert profile_from_resource(result).active is False


def test_active_as_a_string_is_read_as_a_boolean() -> None:
    """Entra ID's "False" is stored as false."""
    assert patched(user(), op("replace", "active", "False"))["active"] is False


def test_active_that_is_not_a_boolean_is_invalid() -> None:
    """Only booleans and "True"/"False" strings are accepted for `active`."""
    with pytest.raises(InvalidInput) as error:
        patched(user(), op("replace", "active", "yes"))
    assert error.value.field == "Operations[0].path"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), ("False", False), (" TRUE ", True), ("yes", None), (1, None), (None, None)],
)
def test_coerce_active_reads_booleans_and_their_strings(raw: Any, expected: bool | None) -> None:
    """coerce_active accepts booleans and "true"/"false" in any case, nothing else."""
    assert coerce_active(raw) is expected


# --- profile ------------------------------------------------------------------------------------


def test_profile_of_the_design_example() -> None:
    """The DESIGN example yields exactly the listed attributes and its workspace."""
    resource = {
        "userName": "anna@example.com",
        "name": {"givenName": "Anna", "familyName": "Berg"},
        "active": True,
        "emails": [{"value": "anna@example.com", "type": "work", "primary": True}],
        ENTERPRISE_URN: {"department": "Sales"},
        "entitlements": [{"value": "8a81", "type": "WORKSPACE"}],
    }
    profile = profile_from_resource(resource)
    assert profile.user_name == "anna@example.com"
    assert profile.active is True
    assert profile.workspaces == frozenset({"8a81"})
    assert profile.attributes == {
        "department": "Sales",
        "email": "anna@example.com",
        "familyName": "Berg",
        "givenName": "Anna",
        "userName": "anna@example.com",
    }


def test_profile_reads_every_listed_attribute() -> None:
    """Core and enterprise attributes, the manager's value, and WORKSPACE in any case."""
    resource = user(
        displayName="Maja Lind",
        title="Lead",
        userType="Employee",
        entitlements=[
            {"value": "w1", "type": "WORKSPACE"},
            {"value": "w2", "type": "workspace"},
            {"value": "r1", "type": "ROLE"},
        ],
        **{
            ENTERPRISE_URN: {
                "employeeNumber": "701984",
                "costCenter": "4130",
                "organization": "Contoso",
                "division": "EMEA",
                "department": "Sales",
                "manager": {"value": "m-1", "displayName": "John Smith"},
            }
        },
    )
    profile = profile_from_resource(resource)
    assert profile.workspaces == frozenset({"w1", "w2"})
    assert profile.attributes["manager"] == "m-1"
    assert set(profile.attributes) == {
        "userName",
        "email",
        "givenName",
        "familyName",
        "displayName",
        "title",
        "userType",
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
        "manager",
    }


def test_profile_email_is_the_primary_one_else_the_first() -> None:
    """The primary email wins; without one, the first email is the email."""
    emails = [{"value": "a@x"}, {"value": "b@x", "primary": True}]
    assert profile_from_resource(user(emails=emails)).attributes["email"] == "b@x"
    emails = [{"value": "a@x"}, {"value": "b@x"}]
    assert profile_from_resource(user(emails=emails)).attributes["email"] == "a@x"


def test_profile_drops_empty_values_and_is_inactive_without_active() -> None:
    """Null and "" attributes are absent; a resource without `active` is inactive."""
    resource = user(title="", displayName=None)
    del resource["active"]
    profile = profile_from_resource(resource)
    assert "title" not in profile.attributes
    assert "displayName" not in profile.attributes
    assert profile.active is False


def test_profile_reads_a_bare_manager_id() -> None:
    """A manager stored as a bare id still yields the manager attribute."""
    resource = user(**{ENTERPRISE_URN: {"manager": "m-2"}})
    assert profile_from_resource(resource).attributes["manager"] == "m-2"


# --- properties ---------------------------------------------------------------------------------

TEXT = st.sampled_from(["a", "b", "Work", "work", "", "x@y"])
EMAIL = st.fixed_dictionaries(
    {"value": TEXT}, optional={"type": st.sampled_from(["work", "home"]), "primary": st.booleans()}
)
RESOURCES = st.fixed_dictionaries(
    {"userName": st.sampled_from(["maja", "li"])},
    optional={
        "active": st.booleans(),
        "title": TEXT,
        "name": st.fixed_dictionaries({}, optional={"givenName": TEXT, "familyName": TEXT}),
        "emails": st.lists(EMAIL, max_size=3),
        ENTERPRISE_URN: st.fixed_dictionaries({}, optional={"department": TEXT}),
    },
)
PATHS = st.sampled_from(
    [
        None,
        AttributePath("title"),
        AttributePath("active"),
        AttributePath("name"),
        AttributePath("name", sub_attribute="givenName"),
        AttributePath("emails"),
        AttributePath("emails", value_filter=WORK),
        AttributePath("emails", value_filter=WORK, sub_attribute="value"),
        AttributePath("emails", value_filter=Logical("or", WORK, Comparison("primary", "pr"))),
        AttributePath("emails", sub_attribute="primary"),
        AttributePath("department", schema=ENTERPRISE_URN),
    ]
)
VALUES = st.one_of(
    st.none(),
    TEXT,
    st.booleans(),
    EMAIL,
    st.lists(EMAIL, max_size=2),
    st.fixed_dictionaries({}, optional={"title": TEXT, "givenName": TEXT, "active": st.booleans()}),
)
OPERATIONS = st.builds(PatchOperation, st.sampled_from(["add", "replace", "remove"]), PATHS, VALUES)


@given(RESOURCES, st.lists(OPERATIONS, max_size=4))
def test_apply_patch_never_mutates_its_input(resource: dict[str, Any], ops: list[Any]) -> None:
    """Whether it succeeds or fails, apply_patch leaves the resource it was given untouched."""
    before = copy.deepcopy(resource)
    try:
        result = apply_patch(resource, tuple(ops))
    except InputError:
        result = None
    assert resource == before
    if result is not None and ops:
        assert result is not resource


@given(RESOURCES, st.lists(OPERATIONS, max_size=3), st.lists(OPERATIONS, max_size=3))
def test_patching_a_result_leaves_the_resource_it_came_from_untouched(
    resource: dict[str, Any], first: list[Any], second: list[Any]
) -> None:
    """A result shares untouched parts with its source, so a later patch must copy before it
    changes them: the source stays as it was."""
    before = copy.deepcopy(resource)
    with contextlib.suppress(InputError):
        apply_patch(apply_patch(resource, tuple(first)), tuple(second))
    assert resource == before


@given(RESOURCES, st.lists(OPERATIONS, max_size=3))
def test_a_failing_operation_leaves_nothing_applied(
    resource: dict[str, Any], ops: list[Any]
) -> None:
    """A bad last operation fails the whole patch and the stored resource stays as it was."""
    before = copy.deepcopy(resource)
    with pytest.raises(InputError):
        apply_patch(resource, (*ops, op("remove", "userName")))
    assert resource == before


@given(RESOURCES, OPERATIONS)
def test_one_operation_applied_twice_equals_applied_once(
    resource: dict[str, Any], operation: PatchOperation
) -> None:
    """A redelivered operation changes nothing more, when any filter it has is made of eq terms.

    Kafka delivers at least once; an `or` filter may stop matching a record it replaced.
    """
    path = operation.path
    assume(path is None or path.value_filter is None or equalities(path.value_filter))
    try:
        once = apply_patch(resource, (operation,))
    except InputError:
        return
    assert apply_patch(once, (operation,)) == once


@given(RESOURCES, st.lists(OPERATIONS, max_size=4))
def test_a_patched_resource_keeps_its_invariants(resource: dict[str, Any], ops: list[Any]) -> None:
    """After any successful patch, userName stays and `active` is a boolean or absent."""
    try:
        result = apply_patch(resource, tuple(ops))
    except InputError:
        return
    assert profile_from_resource(result).user_name == resource["userName"]
    assert result.get("active", False) in (True, False)


SPELLED_RESOURCES = st.tuples(
    RESOURCES, st.fixed_dictionaries({}, optional={"Title": TEXT, "DisplayName": TEXT})
).map(lambda parts: {**parts[0], **parts[1]})
"""Resources that may spell a name twice in different cases (the first spelling wins)."""


@settings(max_examples=500)
@given(SPELLED_RESOURCES, st.lists(OPERATIONS, max_size=2), st.lists(OPERATIONS, max_size=2))
def test_an_updated_profile_equals_the_profile_read_afresh(
    resource: dict[str, Any], first: list[Any], second: list[Any]
) -> None:
    """Re-reading only the members two patches in a row changed gives the whole profile."""
    profile = profile_from_resource(resource)
    for ops in (first, second):
        try:
            result = apply_patch(resource, tuple(ops))
        except InputError:
            continue
        profile = updated_profile(resource, profile, result)
        assert profile == profile_from_resource(result)
        resource = result
