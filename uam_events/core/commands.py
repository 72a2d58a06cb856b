"""Qualified users' commands: who may set access where, and the audit decision each gets.

Invariants: an actor never changes their own access; a command is allowed only where one
qualified-user scope covers the spoke, the item's subtree and the target together; a rejected
command changes nothing. Decisions are data for the audit topic, not exceptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from uam_events.core.access import GrantKey, UserAccess
from uam_events.core.events import CopyAccess, SetAccess
from uam_events.core.hierarchy import Hierarchies
from uam_events.core.levels import Level
from uam_events.core.rules import QualifiedUser
from uam_events.core.spokes import Spoke
from uam_events.core.users import UserRecord
from uam_events.core.values import JsonObject

OUTSIDE_SCOPE = "outside the actor's scope"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A copied grant left out, and why."""

    list: str
    item: str
    level: Level
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The audit record of one command."""

    command_id: str
    accepted: bool
    reason: str | None = None
    skipped: tuple[Skipped, ...] = ()

    def to_json(self) -> JsonObject:
        """Return the wire audit decision."""
        return {
            "command_id": self.command_id,
            "decision": "accepted" if self.accepted else "rejected",
            "reason": self.reason,
            "skipped": [
                {"list": s.list, "item": s.item, "level": s.level.label, "reason": s.reason}
                for s in self.skipped
            ],
        }


@dataclass(frozen=True, slots=True)
class Party:
    """What the partition that owns a command's actor or source knows of that user.

    A command is keyed by its target; on the workers the actor and the source may live in
    other partitions, which stamp these facts on the command before it reaches the target's.
    """

    user_id: str
    known: bool
    active: bool
    deleted: bool

    def stand_in(self) -> UserRecord:
        """Return a user record carrying just these facts, for judging the command."""
        resource: JsonObject | None = {} if self.known else None
        return UserRecord(self.user_id, resource, deleted=self.deleted, active=self.active)

    @classmethod
    def of(cls, user_id: str, user: UserRecord | None) -> Party:
        """Return the facts of a user as the local state holds them."""
        if user is None or user.resource is None:
            return cls(user_id, known=False, active=False, deleted=False)
        return cls(user_id, known=True, active=user.active, deleted=user.deleted)


@dataclass(frozen=True, slots=True)
class CommandFacts:
    """Facts gathered in other partitions: the actor, the source and the source's grants."""

    actor: Party | None = None
    source: Party | None = None
    source_grants: tuple[tuple[GrantKey, Level], ...] | None = None


@dataclass(slots=True)
class Context:
    """What a command is judged against."""

    spokes: Mapping[str, Spoke]
    users: Mapping[str, UserRecord]
    hierarchies: Hierarchies
    scopes: list[QualifiedUser] = field(default_factory=list)


def check_parties(command: SetAccess | CopyAccess, ctx: Context) -> str | None:
    """Return why the actor, target or spoke rule the command out, or None."""
    actor = ctx.users.get(command.actor)
    if actor is None or actor.resource is None:
        return "unknown actor"
    if actor.deleted:
        return "actor is deleted"
    if not actor.active:
        return "actor is inactive"
    if command.actor == command.user:
        return "actor may not change their own access"
    target = ctx.users.get(command.user)
    if target is None or target.resource is None:
        return "unknown target user"
    if target.deleted:
        return "target user is deleted"
    if command.spoke not in ctx.spokes:
        return "unknown spoke"
    return None


def covering_scopes(
    ctx: Context, spoke: Spoke, target: UserRecord
) -> tuple[list[QualifiedUser], str | None]:
    """Return the actor's scopes covering the spoke and the target, or why there are none."""
    if not ctx.scopes:
        return [], "actor is not a qualified user"
    in_spoke = [s for s in ctx.scopes if spoke.id in s.spokes]
    if not in_spoke:
        return [], "spoke outside the actor's scope"
    for_target = [s for s in in_spoke if s.users is None or s.users.matches(target.attributes)]
    if not for_target:
        return [], "target user outside the actor's scope"
    return for_target, None


def covers(
    scopes: list[QualifiedUser], spoke: Spoke, hub_list: str, item: str, h: Hierarchies
) -> bool:
    """Return whether one of the scopes covers the item's subtree in that spoke."""
    tree = h.get(hub_list)
    if tree is None or item not in tree or not spoke.uses(hub_list):
        return False
    lineage: set[str] | None = None
    for scope in scopes:
        for scope_item in scope.items:
            if scope_item.list == hub_list and scope_item.item in tree:
                if lineage is None:
                    lineage = {item, *tree.ancestors(item)}
                if scope_item.item in lineage:
                    return True
    return False


def judge_set(command: SetAccess, ctx: Context) -> str | None:
    """Return why a set_access is rejected, or None when it is allowed."""
    reason = check_parties(command, ctx)
    if reason:
        return reason
    spoke = ctx.spokes[command.spoke]
    if not spoke.uses(command.list):
        return "list not used by the spoke"
    if not ctx.hierarchies.contains(command.list, command.item):
        return "unknown item"
    scopes, reason = covering_scopes(ctx, spoke, ctx.users[command.user])
    if reason:
        return reason
    if not covers(scopes, spoke, command.list, command.item, ctx.hierarchies):
        return "item outside the actor's scope"
    return None


def judge_copy(command: CopyAccess, ctx: Context) -> tuple[str | None, list[QualifiedUser]]:
    """Return why a copy_access is rejected (or None) and the scopes that may apply it."""
    reason = check_parties(command, ctx)
    if reason:
        return reason, []
    source = ctx.users.get(command.source)
    if source is None or source.resource is None:
        return "unknown source user", []
    if command.source == command.user:
        return "source and target are the same user", []
    spoke = ctx.spokes[command.spoke]
    for hub_list in command.lists or ():
        if not spoke.uses(hub_list):
            return f"list {hub_list!r} not used by the spoke", []
    scopes, reason = covering_scopes(ctx, spoke, ctx.users[command.user])
    return reason, scopes


def grants_to_copy(
    command: CopyAccess, source_access: UserAccess, spoke: Spoke
) -> list[tuple[GrantKey, Level]]:
    """Return the source's current grants on the command's lists (all the spoke's if null)."""
    lists = set(spoke.hub_lists if command.lists is None else command.lists)
    return [(key, g.level) for key, g in source_access.grants.items() if key[0] in lists]
