"""A user's resolved access in one spoke, and the causes every grant and role names.

Invariant: a `UserAccess` is a pure value: two equal inputs resolve to equal values, so the
difference between the old and the new one is exactly the deltas to emit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from uam_events.core.levels import Level
from uam_events.core.values import JsonObject


@dataclass(frozen=True, slots=True, order=True)
class RuleCause:
    """An access or role rule; `item` is set when an ancestor carries it."""

    rule: str
    item: str | None = None

    def to_json(self) -> JsonObject:
        """Return the wire CAUSE."""
        return _with_item({"rule": self.rule}, self.item)


@dataclass(frozen=True, slots=True, order=True)
class ExplicitCause:
    """An explicit grant set by a qualified user's command."""

    actor: str
    command_id: str
    item: str | None = None

    def to_json(self) -> JsonObject:
        """Return the wire CAUSE."""
        explicit: JsonObject = {"actor": self.actor, "command_id": self.command_id}
        return _with_item({"explicit": explicit}, self.item)


@dataclass(frozen=True, slots=True, order=True)
class DefaultCause:
    """A spoke's fallback role: `default_role` or `no_access_role`."""

    default: Literal["default_role", "no_access_role"]

    def to_json(self) -> JsonObject:
        """Return the wire CAUSE."""
        return {"default": self.default}


Cause = RuleCause | ExplicitCause | DefaultCause


def cause_order(cause: Cause) -> tuple[int, str, str]:
    """Return the sort key of causes: rules by id, then explicit grants, then defaults."""
    if isinstance(cause, RuleCause):
        return (0, cause.rule, "")
    if isinstance(cause, ExplicitCause):
        return (1, cause.actor, cause.command_id)
    return (2, cause.default, "")


def carried_by(cause: Cause, item: str) -> Cause:
    """Return the cause marked as carried by the ancestor `item`."""
    if isinstance(cause, DefaultCause):
        return cause
    return replace(cause, item=item)


@dataclass(frozen=True, slots=True)
class Grant:
    """A level assigned on an item, with the causes that reach that level."""

    level: Level
    because: tuple[Cause, ...]


GrantKey = tuple[str, str]
"""(hub list, item code)."""


@dataclass(frozen=True, slots=True)
class UserAccess:
    """What one user holds in one spoke: membership, role, grants and access text."""

    member: bool = False
    role: str | None = None
    role_because: tuple[Cause, ...] = ()
    grants: dict[GrantKey, Grant] = field(default_factory=dict)
    text: str | None = None
    own: dict[GrantKey, Grant] = field(default_factory=dict)
    """Each item the user owns a level on, with its causes: the input the grants cover. Kept so
    that a change leaving every own level as it was is known without re-deriving the cover."""

    @property
    def holds_nothing(self) -> bool:
        """Return whether the user is absent from the spoke (the state topic's null)."""
        return not self.member and self.role is None and not self.grants and self.text is None


NOTHING = UserAccess()


def _with_item(body: JsonObject, item: str | None) -> JsonObject:
    if item is not None:
        body["item"] = item
    return body
