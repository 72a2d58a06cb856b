"""Wire payloads of the compacted `uam.policies` topic: access rules, role rules, scopes.

Policies decide who sees what, so a misspelt field is an error rather than silently ignored,
and a predicate value that is a list or an object is rejected (DESIGN section 9) with a reason
that says what to write instead.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, field_validator

from uam_events.contract.base import Authored, JsonScalar, NonEmptyStr
from uam_events.contract.problems import problem
from uam_events.core.rules import ItemTemplate
from uam_events.core.values import is_scalar

_CLAUSE_FIX = 'write a value, {"in": [values]} or {"exists": true} / {"exists": false}'


class InClause(Authored):
    """`{"in": [..]}`: the attribute is (or, for a list, shares) one of these values."""

    in_: list[JsonScalar] = Field(alias="in")


class ExistsClause(Authored):
    """`{"exists": bool}`: the attribute is present and not null, "" or [] (or the opposite)."""

    exists: StrictBool


def _check_predicate_value(value: object) -> object:
    """Reject what a predicate cannot hold with one reason instead of one per union member."""
    if is_scalar(value):
        return value
    if isinstance(value, dict):
        if set(value) == {"in"}:
            if isinstance(value["in"], list) and all(is_scalar(v) for v in value["in"]):
                return value
            raise problem(
                "is not a list of strings, numbers or booleans",
                'write {"in": ["a", "b"]}',
                field="in",
            )
        if set(value) == {"exists"}:
            if isinstance(value["exists"], bool):
                return value
            raise problem("is not true or false", "write true or false", field="exists")
        raise problem(f"an object with keys {sorted(value)} is not a clause", _CLAUSE_FIX)
    if isinstance(value, list):
        raise problem(
            "a list is not a predicate value",
            'write one value to match, or {"in": [values]} to match any of several',
        )
    raise problem(
        "null is not a predicate value",
        'write {"exists": false} to match users without the attribute',
    )


PredicateValue = Annotated[
    JsonScalar | InClause | ExistsClause, BeforeValidator(_check_predicate_value)
]
Predicate = dict[NonEmptyStr, PredicateValue]
"""Attribute name -> clause; clauses are ANDed and `{}` matches every user."""


class GrantSpec(Authored):
    """What an access rule grants: an item code or template, at read or write."""

    item: NonEmptyStr = Field(description='an item code ("EMEA") or template ("{region}")')
    level: Literal["read", "write"]

    @field_validator("item")
    @classmethod
    def _check_template(cls, text: str) -> str:
        """Reject templates `ItemTemplate.parse` cannot read, naming the item field."""
        try:
            ItemTemplate.parse(text)
        except ValueError as exc:
            raise problem(
                str(exc), "write an item code, or one {attribute} with optional text around it"
            ) from None
        return text


class AccessRulePayload(Authored):
    """Grant an item (or the item an attribute names) of a hub list to matching users."""

    kind: Literal["access_rule"]
    id: NonEmptyStr
    spoke: NonEmptyStr
    list: NonEmptyStr
    when: Predicate
    grant: GrantSpec


class RoleRulePayload(Authored):
    """Give a model role to matching members; the highest priority, then smallest id, wins."""

    kind: Literal["role_rule"]
    id: NonEmptyStr
    spoke: NonEmptyStr
    when: Predicate
    role: NonEmptyStr
    priority: StrictInt = 0


class ScopeItemPayload(Authored):
    """An item subtree of a hub list inside a qualified user's scope."""

    list: NonEmptyStr
    item: NonEmptyStr


class QualifiedUserPayload(Authored):
    """A scope: `user` may set access in `spokes`, on `items` subtrees, for matching targets."""

    kind: Literal["qualified_user"]
    id: NonEmptyStr
    user: NonEmptyStr
    spokes: list[NonEmptyStr]
    items: list[ScopeItemPayload]
    users: Predicate | None = Field(default=None, description="null: any target user")


PolicyPayload = Annotated[
    AccessRulePayload | RoleRulePayload | QualifiedUserPayload, Field(discriminator="kind")
]
