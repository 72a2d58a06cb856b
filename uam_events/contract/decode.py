"""Turn the bytes of input records into core events, or say precisely why they cannot be.

Every failure is a `MalformedInput` (cannot be read) or an `InvalidInput` (reads, but breaks a
rule of the record itself) whose `field` is the JSON path and whose `fix` tells the sender what
to send instead; the caller dead-letters it with the original bytes. Checks that need state
(unknown spoke, parent, user) belong to the engine, not here.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from uam_events.contract.commands import CommandPayload, SetAccessPayload
from uam_events.contract.inputs import HubChange, HubDelete, IdentityAttributes
from uam_events.contract.policies import (
    AccessRulePayload,
    ExistsClause,
    InClause,
    PolicyPayload,
    PredicateValue,
    RoleRulePayload,
)
from uam_events.contract.problems import Problem, describe
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
    Clause,
    Equals,
    Exists,
    ItemTemplate,
    OneOf,
    Predicate,
    QualifiedUser,
    RoleRule,
    Rule,
    ScopeItem,
)
from uam_events.core.values import JsonValue
from uam_events.errors import InvalidInput, MalformedCommand, MalformedInput

T = TypeVar("T")
_OBJECT_FIX = "send one UTF-8 JSON object"
_IDENTITY = TypeAdapter(IdentityAttributes)
_HUB: TypeAdapter[HubChange] = TypeAdapter(HubChange)
_POLICY: TypeAdapter[PolicyPayload] = TypeAdapter(PolicyPayload)
_COMMAND: TypeAdapter[CommandPayload] = TypeAdapter(CommandPayload)


def decode_identity(key: str | None, value: bytes | None) -> IdentityAttributesChanged:
    """Decode an identity-attribute change; its `user_id` must be the record key."""
    wire = _validate(_IDENTITY, read_object(value))
    _check_key(key, wire.user_id, "user_id", "key the record by the user key (SCIM id)")
    attributes: dict[str, JsonValue] = {}
    for name, raw in wire.attributes.items():
        attributes[name] = list(raw) if isinstance(raw, list) else raw
    return IdentityAttributesChanged(wire.user_id, attributes, wire.replace)


def decode_hub(key: str | None, value: bytes | None) -> HubItemUpserted | HubItemDeleted:
    """Decode a hub change: no parent makes a root, no name is the code, `list` beats the key."""
    wire = _validate(_HUB, read_object(value), tagged=True)
    hub_list = wire.list or key
    if not hub_list:
        raise MalformedInput("list", "missing, and the record has no key", "add the hub list")
    if isinstance(wire, HubDelete):
        return HubItemDeleted(hub_list, wire.item)
    return HubItemUpserted(hub_list, wire.item, wire.parent or None, wire.name or wire.item)


def decode_policy(key: str | None, value: bytes | None) -> RulePublished | RuleWithdrawn:
    """Decode a policy record: null withdraws the rule named by the key, whose id it must be."""
    if value is None:
        if not key:
            raise MalformedInput("key", "a null value without a key names no rule", "send the id")
        return RuleWithdrawn(key)
    wire = _validate(_POLICY, read_object(value), tagged=True)
    _check_key(key, wire.id, "id", "key each policy by its id: the topic is compacted by it")
    return RulePublished(_rule(wire))


def decode_command(key: str | None, value: bytes | None) -> SetAccess | CopyAccess:
    """Decode a command; when it cannot be read but names its id, raise `MalformedCommand`."""
    payload = read_object(value)
    command_id = payload.get("command_id")
    try:
        wire = _validate(_COMMAND, payload, tagged=True)
    except MalformedInput as exc:
        if isinstance(command_id, str) and command_id:
            raise MalformedCommand(exc.field, exc.problem, exc.fix, command_id) from None
        raise
    if key is not None and key != wire.user:
        problem = f"{wire.user!r} differs from the record key {key!r}"
        fix = "key the command by the target user's key"
        raise MalformedCommand("user", problem, fix, wire.command_id)
    if isinstance(wire, SetAccessPayload):
        level = Level.parse(wire.level)
        return SetAccess(
            wire.command_id, wire.actor, wire.user, wire.spoke, wire.list, wire.item, level
        )
    lists = None if wire.lists is None else tuple(wire.lists)
    return CopyAccess(
        wire.command_id, wire.actor, wire.source, wire.user, wire.spoke, lists, wire.mode
    )


def read_object(value: bytes | None) -> dict[str, Any]:
    """Return the JSON object `value` holds: UTF-8, no NaN, no key twice in one object."""
    if value is None:
        raise MalformedInput("value", "is null (a tombstone)", _OBJECT_FIX)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 (byte {value[exc.start]:#04x} at offset {exc.start})"
        raise MalformedInput("value", problem, _OBJECT_FIX) from None
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        problem = f"is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        raise MalformedInput("value", problem, _OBJECT_FIX) from None
    if not isinstance(data, dict):
        raise MalformedInput("value", f"is a JSON {_json_kind(data)}, not an object", _OBJECT_FIX)
    return data


def _validate(adapter: TypeAdapter[T], payload: dict[str, Any], *, tagged: bool = False) -> T:
    """Validate a payload; the first error names the field, the others are summarised."""
    try:
        return adapter.validate_python(payload)
    except ValidationError as exc:
        problems = describe(exc, skip=1 if tagged else 0)
    raise _malformed(problems)


def _malformed(problems: list[Problem]) -> MalformedInput:
    first, rest = problems[0], problems[1:]
    text = first.problem
    if rest:
        text += " (also " + "; ".join(f"{p.path}: {p.problem}" for p in rest) + ")"
    return MalformedInput(first.path, text, first.fix)


def _check_key(key: str | None, named: str, field: str, fix: str) -> None:
    """Reject a record whose key is not the id it carries: it was routed to the wrong place."""
    if key is not None and key != named:
        raise InvalidInput(field, f"{named!r} differs from the record key {key!r}", fix)


def _rule(wire: PolicyPayload) -> Rule:
    if isinstance(wire, AccessRulePayload):
        level = Level.parse(wire.grant.level)
        template = ItemTemplate.parse(wire.grant.item)
        return AccessRule(wire.id, wire.spoke, wire.list, _predicate(wire.when), template, level)
    if isinstance(wire, RoleRulePayload):
        return RoleRule(wire.id, wire.spoke, _predicate(wire.when), wire.role, wire.priority)
    items = tuple(ScopeItem(entry.list, entry.item) for entry in wire.items)
    users = None if wire.users is None else _predicate(wire.users)
    return QualifiedUser(wire.id, wire.user, tuple(wire.spokes), items, users)


def _predicate(wire: dict[str, PredicateValue]) -> Predicate:
    """Return the core predicate, clauses sorted by attribute so equal rules compare equal."""
    clauses: list[Clause] = []
    for attribute in sorted(wire):
        value = wire[attribute]
        if isinstance(value, InClause):
            clauses.append(OneOf(attribute, tuple(value.in_)))
        elif isinstance(value, ExistsClause):
            clauses.append(Exists(attribute, value.exists))
        else:
            clauses.append(Equals(attribute, value))
    return Predicate(tuple(clauses))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, item in pairs:
        if name in data:
            raise MalformedInput(name, "appears twice in one object", "send each key once")
        data[name] = item
    return data


def _no_constant(name: str) -> Any:
    raise MalformedInput("value", f"{name} is not JSON", "send finite numbers only")


def _json_kind(data: object) -> str:
    if isinstance(data, list):
        return "array"
    if isinstance(data, str):
        return "string"
    if data is None:
        return "null"
    return "boolean" if isinstance(data, bool) else "number"
