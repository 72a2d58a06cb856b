"""Decoding input bytes into core events: what reads, and what each failure names and advises."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from uam_events.contract.decode import (
    decode_command,
    decode_hub,
    decode_identity,
    decode_policy,
    read_object,
)
from uam_events.core.events import (
    CopyAccess,
    HubItemDeleted,
    HubItemUpserted,
    IdentityAttributesChanged,
    RulePublished,
    RuleWithdrawn,
    SetAccess,
)
from uam_events.core.levels import Level
from uam_events.core.rules import (
    AccessRule,
    Equals,
    Exists,
    ItemTemplate,
    OneOf,
    Predicate,
    QualifiedUser,
    RoleRule,
    ScopeItem,
)
from uam_events.errors import InvalidInput, MalformedCommand, MalformedInput


def raw(value: object) -> bytes:
    """Return a JSON value as the bytes a producer would send."""
    return json.dumps(value).encode()


def example_records(example: Path, topic: str) -> list[tuple[str | None, bytes]]:
    """Return (key, original bytes) of the example's lines on one topic, in file order."""
    records = []
    for text in (example / "events.jsonl").read_text(encoding="utf-8").splitlines():
        line: dict[str, Any] = json.loads(text)
        if line["topic"] == topic:
            value = line.get("value")
            data = base64.b64decode(line["value_b64"]) if "value_b64" in line else raw(value)
            records.append((line.get("key"), data))
    return records


# --- the shared example ---------------------------------------------------------------------


def test_example_identity_lines_decode(example: Path) -> None:
    """The example's identity lines decode, except the truncated `value_b64` one."""
    *good, truncated = example_records(example, "identity.attributes")
    events = [decode_identity(key, value) for key, value in good]
    assert events[2] == IdentityAttributesChanged(
        "u-chloe", {"region": ["EMEA", "APAC"], "qualified": True}, replace=False
    )
    with pytest.raises(MalformedInput) as caught:
        decode_identity(*truncated)
    assert caught.value.field == "value"
    assert caught.value.problem.startswith("is not JSON (")
    assert caught.value.fix == "send one UTF-8 JSON object"


def test_example_hub_lines_decode(example: Path) -> None:
    """Every example hub line decodes to an upsert, roots with a null parent."""
    events = [decode_hub(key, value) for key, value in example_records(example, "hub.hierarchies")]
    assert len(events) == 15
    assert events[0] == HubItemUpserted("Products", "TOTAL", None, "All Products")
    assert events[-1] == HubItemUpserted("Products", "HW", "LAPTOP", "Hardware")


def test_example_policy_lines_decode(example: Path) -> None:
    """The example's rules decode to the core rules they describe."""
    events = [decode_policy(key, value) for key, value in example_records(example, "policies")]
    rules = {event.rule.id: event.rule for event in events if isinstance(event, RulePublished)}
    assert rules["r-sales-region"] == AccessRule(
        "r-sales-region",
        "sales-emea",
        "Geography",
        Predicate((Equals("department", "Sales"),)),
        ItemTemplate(prefix="", attribute="region"),
        Level.WRITE,
    )
    fin_geo = rules["r-fin-geo"]
    assert isinstance(fin_geo, AccessRule)
    assert fin_geo.when == Predicate((OneOf("department", ("Finance", "Sales")),))
    assert rules["role-fin-admin"] == RoleRule(
        "role-fin-admin",
        "finance",
        Predicate((Equals("department", "Finance"),)),
        "Finance Admin",
        10,
    )
    assert rules["q-chloe"] == QualifiedUser(
        "q-chloe",
        "u-chloe",
        ("sales-emea",),
        (ScopeItem("Products", "HW"),),
        Predicate((Equals("department", "Sales"),)),
    )


def test_example_command_lines_decode(example: Path) -> None:
    """The example's commands decode, including the self-targeted one (the engine rejects it)."""
    records = example_records(example, "commands")
    commands = [decode_command(key, value) for key, value in records]
    assert commands[0] == SetAccess(
        "c-1", "u-chloe", "u-anna", "sales-emea", "Products", "LAPTOP", Level.WRITE
    )
    assert commands[2].user == commands[2].actor == "u-chloe"
    assert commands[3] == CopyAccess(
        "c-4", "u-chloe", "u-anna", "u-ben", "sales-emea", ("Products",), "merge"
    )


# --- reading bytes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field", "problem"),
    [
        (b"\xff{}", "value", "is not UTF-8 (byte 0xff at offset 0)"),
        (b"[1, 2]", "value", "is a JSON array, not an object"),
        (b'"text"', "value", "is a JSON string, not an object"),
        (b"null", "value", "is a JSON null, not an object"),
        (b'{"a": NaN}', "value", "NaN is not JSON"),
        (b'{"a": 1, "a": 2}', "a", "appears twice in one object"),
        (b'{"a": ', "value", "is not JSON (Expecting value at line 1 column 7)"),
        (None, "value", "is null (a tombstone)"),
    ],
)
def test_unreadable_bytes_are_malformed(value: bytes | None, field: str, problem: str) -> None:
    """Invalid UTF-8, non-objects, NaN, repeated keys and truncation are MalformedInput."""
    with pytest.raises(MalformedInput) as caught:
        read_object(value)
    assert (caught.value.field, caught.value.problem) == (field, problem)


def test_all_errors_are_summarised() -> None:
    """The first error names the field; the others are listed in the problem."""
    with pytest.raises(MalformedInput) as caught:
        decode_identity("u-1", raw({"attributes": {"a": {"b": 1}}}))
    assert caught.value.field == "user_id"
    assert caught.value.reason == (
        "user_id: missing (also attributes.a: an object is not an attribute value); fix: add it"
    )


# --- identity attributes --------------------------------------------------------------------


def test_identity_null_removes_and_replace_flag() -> None:
    """A null value removes a name; `replace` is carried; unread fields are ignored."""
    value = {"user_id": "u-1", "attributes": {"region": None}, "replace": True, "trace": "x"}
    assert decode_identity("u-1", raw(value)) == IdentityAttributesChanged(
        "u-1", {"region": None}, replace=True
    )


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"user_id": "u-1", "attributes": {"a": [[1]]}}, "attributes.a"),
        ({"user_id": "u-1", "attributes": {}, "replace": "true"}, "replace"),
        ({"user_id": "", "attributes": {}}, "user_id"),
        ({"user_id": "u-1"}, "attributes"),
    ],
)
def test_identity_bad_shapes_are_malformed(value: dict[str, Any], field: str) -> None:
    """Nested lists, string booleans, empty ids and missing attributes name their field."""
    with pytest.raises(MalformedInput) as caught:
        decode_identity("u-1", raw(value))
    assert caught.value.field == field


def test_identity_key_must_be_user() -> None:
    """An identity record keyed by another user is invalid: it went to the wrong partition."""
    with pytest.raises(InvalidInput) as caught:
        decode_identity("u-2", raw({"user_id": "u-1", "attributes": {}}))
    assert caught.value.field == "user_id"


# --- hub hierarchies ------------------------------------------------------------------------


def test_hub_upsert_defaults() -> None:
    """Without parent the item is a root; without name the name is the code."""
    assert decode_hub("Geo", raw({"op": "upsert", "item": "EMEA"})) == HubItemUpserted(
        "Geo", "EMEA", None, "EMEA"
    )


def test_hub_value_list_wins_over_key() -> None:
    """The value's `list` names the list even when the key says otherwise."""
    event = decode_hub("Other", raw({"list": "Geo", "op": "delete", "item": "DE"}))
    assert event == HubItemDeleted("Geo", "DE")


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        (None, {"op": "upsert", "item": "X"}, "list"),
        ("Geo", {"op": "Upsert", "item": "X"}, "op"),
        ("Geo", {"item": "X"}, "op"),
        ("Geo", {"op": "delete"}, "item"),
    ],
)
def test_hub_bad_shapes_are_malformed(key: str | None, value: dict[str, Any], field: str) -> None:
    """A list-less keyless record, unknown or missing ops and missing items name their field."""
    with pytest.raises(MalformedInput) as caught:
        decode_hub(key, raw(value))
    assert caught.value.field == field


# --- policies -------------------------------------------------------------------------------


def access_rule(**changes: Any) -> dict[str, Any]:
    """Return a valid access rule payload with some fields changed."""
    rule: dict[str, Any] = {
        "kind": "access_rule",
        "id": "r-1",
        "spoke": "s",
        "list": "Geo",
        "when": {},
        "grant": {"item": "EMEA", "level": "read"},
    }
    return {**rule, **changes}


def test_policy_null_withdraws_keyed_rule() -> None:
    """A null value withdraws the rule its key names."""
    assert decode_policy("r-9", None) == RuleWithdrawn("r-9")


def test_policy_null_without_key_is_malformed() -> None:
    """A null value without a key names no rule."""
    with pytest.raises(MalformedInput) as caught:
        decode_policy(None, None)
    assert caught.value.field == "key"


def test_policy_key_must_be_id() -> None:
    """A rule whose key differs from its id is invalid, naming the id field."""
    with pytest.raises(InvalidInput) as caught:
        decode_policy("r-2", raw(access_rule()))
    assert caught.value.reason == (
        "id: 'r-1' differs from the record key 'r-2'; "
        "fix: key each policy by its id: the topic is compacted by it"
    )


def test_role_rule_priority_defaults_to_zero() -> None:
    """A role rule without priority has priority 0; `{}` matches everyone."""
    value = {"kind": "role_rule", "id": "r", "spoke": "s", "when": {}, "role": "Viewer"}
    assert decode_policy("r", raw(value)) == RulePublished(
        RoleRule("r", "s", Predicate(()), "Viewer", 0)
    )


def test_predicate_values_stay_strict_and_sorted() -> None:
    """`true`, `1` and `"1"` stay distinct, and clauses are sorted by attribute."""
    when = {"z": "1", "flag": True, "n": 1, "gone": {"exists": False}}
    event = decode_policy("r-1", raw(access_rule(when=when)))
    assert isinstance(event, RulePublished)
    assert isinstance(event.rule, AccessRule)
    assert event.rule.when == Predicate(
        (Equals("flag", True), Exists("gone", False), Equals("n", 1), Equals("z", "1"))
    )


def test_qualified_user_without_users_is_any_user() -> None:
    """A scope whose `users` is null applies to any target user."""
    value = {"kind": "qualified_user", "id": "q", "user": "u", "spokes": [], "items": []}
    value["users"] = None
    assert decode_policy("q", raw(value)) == RulePublished(QualifiedUser("q", "u", (), (), None))


IN_FIX = 'write {"in": ["a", "b"]}'


@pytest.mark.parametrize(
    ("changes", "field", "problem", "fix"),
    [
        (
            {"when": {"region": ["EMEA"]}},
            "when.region",
            "a list is not a predicate value",
            'write one value to match, or {"in": [values]} to match any of several',
        ),
        (
            {"when": {"region": {"eq": "EMEA"}}},
            "when.region",
            "an object with keys ['eq'] is not a clause",
            'write a value, {"in": [values]} or {"exists": true} / {"exists": false}',
        ),
        (
            {"when": {"region": None}},
            "when.region",
            "null is not a predicate value",
            'write {"exists": false} to match users without the attribute',
        ),
        (
            {"when": {"region": {"in": "EMEA"}}},
            "when.region.in",
            "is not a list of strings, numbers or booleans",
            IN_FIX,
        ),
        (
            {"when": {"region": {"exists": "yes"}}},
            "when.region.exists",
            "is not true or false",
            "write true or false",
        ),
        (
            {"grant": {"item": "EMEA", "level": "none"}},
            "grant.level",
            "'none' is not one of 'read' or 'write'",
            "use one of 'read' or 'write'",
        ),
        (
            {"grant": {"item": "{a}-{b}", "level": "read"}},
            "grant.item",
            "item template '{a}-{b}' must hold at most one {attribute} with a name",
            "write an item code, or one {attribute} with optional text around it",
        ),
        (
            {"kind": "scope"},
            "kind",
            "'scope' is not one of 'access_rule', 'role_rule', 'qualified_user'",
            "use one of 'access_rule', 'role_rule', 'qualified_user'",
        ),
        (
            {"spoek": "s"},
            "spoek",
            "unknown field",
            "remove it or correct its spelling",
        ),
    ],
)
def test_policy_errors_name_field_and_fix(
    changes: dict[str, Any], field: str, problem: str, fix: str
) -> None:
    """Each malformed policy names its JSON path and what to send instead."""
    with pytest.raises(MalformedInput) as caught:
        decode_policy("r-1", raw(access_rule(**changes)))
    assert (caught.value.field, caught.value.problem, caught.value.fix) == (field, problem, fix)


def test_role_priority_must_be_integer() -> None:
    """A priority written as a string is malformed, not coerced."""
    value = {"kind": "role_rule", "id": "r", "spoke": "s", "when": {}, "role": "V", "priority": "5"}
    with pytest.raises(MalformedInput) as caught:
        decode_policy("r", raw(value))
    assert caught.value.field == "priority"


# --- commands -------------------------------------------------------------------------------


def set_access(**changes: Any) -> dict[str, Any]:
    """Return a valid set_access payload with some fields changed."""
    command: dict[str, Any] = {
        "command_id": "c-1",
        "type": "set_access",
        "actor": "u-a",
        "user": "u-t",
        "spoke": "s",
        "list": "Geo",
        "item": "DE",
        "level": "none",
    }
    return {**command, **changes}


def copy_access(**changes: Any) -> dict[str, Any]:
    """Return a valid copy_access payload with some fields changed."""
    command: dict[str, Any] = {
        "command_id": "c-2",
        "type": "copy_access",
        "actor": "u-a",
        "source": "u-s",
        "user": "u-t",
        "spoke": "s",
        "lists": None,
        "mode": "replace",
    }
    return {**command, **changes}


def test_set_access_none_level() -> None:
    """Level none decodes to Level.NONE, which removes the explicit grant."""
    assert decode_command("u-t", raw(set_access())) == SetAccess(
        "c-1", "u-a", "u-t", "s", "Geo", "DE", Level.NONE
    )


@pytest.mark.parametrize(("lists", "expected"), [(None, None), ([], ()), (["A", "B"], ("A", "B"))])
def test_copy_access_lists(lists: list[str] | None, expected: tuple[str, ...] | None) -> None:
    """`lists` null means all the spoke's lists; a list is kept as a tuple, even empty."""
    command = decode_command("u-t", raw(copy_access(lists=lists)))
    assert command == CopyAccess("c-2", "u-a", "u-s", "u-t", "s", expected, "replace")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (set_access(level="admin"), "level"),
        (copy_access(mode="overwrite"), "mode"),
        (set_access(type="grant_access"), "type"),
        ({k: v for k, v in copy_access().items() if k != "lists"}, "lists"),
        (set_access(item=""), "item"),
    ],
)
def test_malformed_command_carries_its_id(payload: dict[str, Any], field: str) -> None:
    """A malformed command whose id reads raises MalformedCommand with that id."""
    with pytest.raises(MalformedCommand) as caught:
        decode_command("u-t", raw(payload))
    assert caught.value.field == field
    assert caught.value.command_id == payload["command_id"]


def test_malformed_command_without_id_is_plain() -> None:
    """Without a readable command_id the error is a plain MalformedInput."""
    with pytest.raises(MalformedInput) as caught:
        decode_command("u-t", raw(set_access(command_id=7, level="x")))
    assert not isinstance(caught.value, MalformedCommand)


def test_unreadable_command_is_plain_malformed() -> None:
    """Bytes that are not JSON name no command id."""
    with pytest.raises(MalformedInput) as caught:
        decode_command("u-t", b"{not json")
    assert not isinstance(caught.value, MalformedCommand)


def test_command_key_must_be_target() -> None:
    """A command keyed by someone other than its target is malformed and still audited."""
    with pytest.raises(MalformedCommand) as caught:
        decode_command("u-other", raw(set_access()))
    assert (caught.value.field, caught.value.command_id) == ("user", "c-1")
