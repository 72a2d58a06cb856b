"""What the core consumes: decoded input events (past tense) and commands (imperative).

Adapters turn wire records into these; `core.engine` maps each type to its handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from uam_events.core.levels import Level
from uam_events.core.rules import Rule
from uam_events.core.scim_user import PatchOperation
from uam_events.core.values import JsonObject, JsonValue, intern_fields, interned_object

# --- users (SCIM) ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserCreated:
    """A SCIM create: a full resource; on an existing id it replaces, on a tombstone it revives."""

    user_id: str
    resource: JsonObject

    def __post_init__(self) -> None:
        intern_fields(self, "user_id")


@dataclass(frozen=True, slots=True)
class UserReplaced:
    """A SCIM PUT: a full resource for an existing, live user."""

    user_id: str
    resource: JsonObject

    def __post_init__(self) -> None:
        intern_fields(self, "user_id")


@dataclass(frozen=True, slots=True)
class UserPatched:
    """A SCIM PATCH: operations applied all or nothing to a live user's resource."""

    user_id: str
    operations: tuple[PatchOperation, ...]

    def __post_init__(self) -> None:
        intern_fields(self, "user_id")


@dataclass(frozen=True, slots=True)
class UserDeleted:
    """A SCIM delete: the user becomes a tombstone (inactive, memberships kept)."""

    user_id: str

    def __post_init__(self) -> None:
        intern_fields(self, "user_id")


@dataclass(frozen=True, slots=True)
class UserActivated:
    """The SCIM Events activate event."""

    user_id: str

    def __post_init__(self) -> None:
        intern_fields(self, "user_id")


@dataclass(frozen=True, slots=True)
class UserDeactivated:
    """The SCIM Events deactivate event."""

    user_id: str

    def __post_init__(self) -> None:
        intern_fields(self, "user_id")


@dataclass(frozen=True, slots=True)
class IdentityAttributesChanged:
    """Attributes from HR or the IdP: null removes a name, `replace` replaces the whole layer."""

    user_id: str
    attributes: dict[str, JsonValue]
    replace: bool = False

    def __post_init__(self) -> None:
        intern_fields(self, "user_id")
        object.__setattr__(self, "attributes", interned_object(self.attributes))


# --- hub hierarchies -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HubItemUpserted:
    """A hub item created, renamed or moved (a move is a new parent)."""

    list: str
    item: str
    parent: str | None
    name: str

    def __post_init__(self) -> None:
        intern_fields(self, "list", "item", "parent")


@dataclass(frozen=True, slots=True)
class HubItemDeleted:
    """A childless hub item removed, with the explicit grants on it."""

    list: str
    item: str

    def __post_init__(self) -> None:
        intern_fields(self, "list", "item")


# --- policies --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RulePublished:
    """A rule created or changed (keyed by its id on the compacted policies topic)."""

    rule: Rule


@dataclass(frozen=True, slots=True)
class RuleWithdrawn:
    """A rule deleted (a null on the policies topic); unknown ids are a no-op."""

    rule_id: str

    def __post_init__(self) -> None:
        intern_fields(self, "rule_id")


# --- commands from qualified users --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SetAccess:
    """Set (or with level none, remove) one explicit grant of a target user."""

    command_id: str
    actor: str
    user: str
    spoke: str
    list: str
    item: str
    level: Level

    def __post_init__(self) -> None:
        intern_fields(self, "actor", "user", "spoke", "list", "item")


@dataclass(frozen=True, slots=True)
class CopyAccess:
    """Copy the source's current grants on some lists of a spoke as explicit grants."""

    command_id: str
    actor: str
    source: str
    user: str
    spoke: str
    lists: tuple[str, ...] | None
    mode: Literal["merge", "replace"]

    def __post_init__(self) -> None:
        intern_fields(self, "actor", "source", "user", "spoke", "lists")


UserEvent = (
    UserCreated
    | UserReplaced
    | UserPatched
    | UserDeleted
    | UserActivated
    | UserDeactivated
    | IdentityAttributesChanged
)
Event = UserEvent | HubItemUpserted | HubItemDeleted | RulePublished | RuleWithdrawn
Command = SetAccess | CopyAccess
Input = Event | Command
