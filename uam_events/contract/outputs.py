"""What uam-events emits, as models that document it (DESIGN sections 5 and 7).

The engine writes plain dicts with these keys; these models exist to generate the JSON Schemas
consumers build against, and to check in tests that what the engine writes matches them.
Optional keys such as a cause's `item` are left out when empty, never written as null.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from uam_events.contract.base import Authored, JsonScalar, omitted
from uam_events.contract.commands import LevelName

GrantLevel = Literal["read", "write"]


class RuleCause(Authored):
    """An access or role rule; `item` is the ancestor that carries it, when not the item."""

    rule: str
    item: str = omitted()


class ExplicitRef(Authored):
    """Who set an explicit grant, and with which command."""

    actor: str
    command_id: str


class ExplicitCause(Authored):
    """An explicit grant set by a qualified user's command."""

    explicit: ExplicitRef
    item: str = omitted()


class DefaultCause(Authored):
    """A spoke's fallback role: its default role, or its no-access role for inactive users."""

    default: Literal["default_role", "no_access_role"]


Cause = RuleCause | ExplicitCause | DefaultCause
Causes = list[Cause]


class GrantDelta(Authored):
    """A grant changed: `from`/`to` are levels; `to` none means the grant is pushed as None."""

    spoke: str
    user_id: str
    email: str | None
    kind: Literal["grant"]
    at: datetime
    seq: int = Field(description="increases per (spoke, user); drop what you have seen")
    list: str
    item: str
    from_: LevelName = Field(alias="from")
    to: LevelName
    because: Causes


class RoleDelta(Authored):
    """A model role changed (null: no role, the user is not a member)."""

    spoke: str
    user_id: str
    email: str | None
    kind: Literal["role"]
    at: datetime
    seq: int
    from_: str | None = Field(alias="from")
    to: str | None
    because: Causes


class MembershipDelta(Authored):
    """The user joined or left the spoke's workspace."""

    spoke: str
    user_id: str
    email: str | None
    kind: Literal["membership"]
    at: datetime
    seq: int
    member: bool


class TextDelta(Authored):
    """The access text (one line per list: levels, items, causes) shown to the user changed."""

    spoke: str
    user_id: str
    email: str | None
    kind: Literal["text"]
    at: datetime
    seq: int
    text: str | None


Delta = Annotated[GrantDelta | RoleDelta | MembershipDelta | TextDelta, Field(discriminator="kind")]


class GrantRecord(Authored):
    """One grant held now, with its causes."""

    list: str
    item: str
    level: GrantLevel
    because: Causes


class StateRecord(Authored):
    """`uam.state.<spoke>`: a user's whole current access in one spoke (null: holds nothing)."""

    spoke: str
    user_id: str
    email: str | None
    member: bool
    role: str | None
    role_because: Causes
    grants: list[GrantRecord]
    text: str | None
    seq: int
    at: datetime


class SkippedGrant(Authored):
    """Part of a command not applied, and why (outside the actor's scope, unknown item...)."""

    list: str
    item: str
    level: LevelName
    reason: str


class CommandDecision(Authored):
    """`uam.audit`: what became of a command."""

    command_id: str
    decision: Literal["accepted", "rejected"]
    reason: str | None = Field(description="why it was rejected; null when accepted")
    skipped: list[SkippedGrant]


class DeadLetter(Authored):
    """`uam.dlq`: an input that could not be used, with its original bytes and the reason."""

    topic: str | None = Field(description="full topic name; null for a line that names none")
    partition: int | None = Field(description="null for a replay file line")
    offset: int = Field(description="the record offset, or the replay file's line number")
    key: str | None
    value_b64: str | None = Field(description="the original bytes, base64; null: tombstone")
    error: str = Field(description="field: problem; fix: what to send instead")
    at: datetime


class ReplayUser(Authored):
    """`users.jsonl` of a replay: a user's final state (a tombstone keeps name and workspaces)."""

    id: str
    userName: str | None  # noqa: N815 - the SCIM attribute name, kept as written on the wire
    active: bool
    deleted: bool
    workspaces: list[str]
    attributes: dict[str, JsonScalar | list[JsonScalar]]
