"""The engine: apply one input to the state and return the deltas and audit decisions it causes.

Invariants: `HANDLERS` is the table of contents of the core, one handler per input type; a
handler validates before it mutates, so an input that raises InputError leaves the state as it
was (the caller dead-letters it); every handler names the (spoke, user) pairs whose inputs it
changed, and only those are resolved again and diffed.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from uam_events.core import commands as cmd
from uam_events.core.access import GrantKey, UserAccess
from uam_events.core.deltas import Delta
from uam_events.core.events import (
    CopyAccess,
    HubItemDeleted,
    HubItemUpserted,
    IdentityAttributesChanged,
    Input,
    RulePublished,
    RuleWithdrawn,
    SetAccess,
    UserActivated,
    UserCreated,
    UserDeactivated,
    UserDeleted,
    UserPatched,
    UserReplaced,
)
from uam_events.core.hierarchy import ItemChange
from uam_events.core.levels import Level
from uam_events.core.refresh import (
    COVER,
    EVERYTHING,
    GRANTS,
    ROLE,
    Stale,
    mark,
    refresh,
    role_contested,
)
from uam_events.core.resolver import ExplicitGrant
from uam_events.core.rulebook import Pair
from uam_events.core.rules import AccessRule, ItemTemplate, QualifiedUser, RoleRule
from uam_events.core.scim_user import apply_patch
from uam_events.core.spokes import Spoke
from uam_events.core.state import State
from uam_events.core.users import UserRecord
from uam_events.core.values import JsonObject, scalar_key
from uam_events.errors import InvalidInput


@dataclass(slots=True)
class Outcome:
    """What one input produced."""

    deltas: list[Delta] = field(default_factory=list)
    decisions: list[cmd.Decision] = field(default_factory=list)


@dataclass(slots=True)
class _Effect:
    """What a handler did: pairs to resolve again (with what went stale), decisions."""

    stale: dict[Pair, Stale] = field(default_factory=dict)
    decisions: list[cmd.Decision] = field(default_factory=list)

    @classmethod
    def of(cls, pairs: Iterable[Pair], what: Stale = EVERYTHING) -> _Effect:
        """Return the effect that marks `what` stale in each pair."""
        effect = cls()
        mark(effect.stale, pairs, what)
        return effect


class Engine:
    """The access core for a set of spokes, over one `State`."""

    def __init__(self, spokes: Iterable[Spoke], state: State | None = None) -> None:
        self.state = state or State(spokes={s.id: s for s in spokes})
        self._facts: cmd.CommandFacts | None = None

    def apply(self, event: Input, at: str, facts: cmd.CommandFacts | None = None) -> Outcome:
        """Apply one input at event time `at`; raise InputError (state unchanged) if invalid.

        `facts` carry what other partitions know of a command's actor and source; without
        them (the one-partition case) the local state is asked.
        """
        self._facts = facts
        try:
            effect = HANDLERS[type(event)](self, event)
        finally:
            self._facts = None
        return Outcome(refresh(self.state, effect.stale, at), effect.decisions)

    # --- users -------------------------------------------------------------------------

    def _user_created(self, event: UserCreated) -> _Effect:
        user = self.state.users.get(event.user_id)
        return self._change_user(user, event.user_id, lambda u: u.set_resource(event.resource))

    def _user_replaced(self, event: UserReplaced) -> _Effect:
        user = self._live_user(event.user_id, "replace")
        return self._change_user(user, user.id, lambda u: u.set_resource(event.resource))

    def _user_patched(self, event: UserPatched) -> _Effect:
        user = self._live_user(event.user_id, "patch")
        assert user.resource is not None
        patched = apply_patch(user.resource, event.operations)
        return self._change_user(user, user.id, lambda u: u.set_resource(patched))

    def _user_activated(self, event: UserActivated | UserDeactivated) -> _Effect:
        user = self._live_user(event.user_id, "activate or deactivate")
        assert user.resource is not None
        resource: JsonObject = {**user.resource, "active": isinstance(event, UserActivated)}
        return self._change_user(user, user.id, lambda u: u.set_resource(resource))

    def _user_deleted(self, event: UserDeleted) -> _Effect:
        user = self.state.users.get(event.user_id)
        if user is None or user.deleted:
            return _Effect()
        spokes = self.state.explicit.clear_user(user.id)
        effect = self._change_user(user, user.id, UserRecord.tombstone)
        mark(effect.stale, [(s, user.id) for s in spokes], GRANTS)
        return effect

    def _identity_changed(self, event: IdentityAttributesChanged) -> _Effect:
        user = self.state.users.get(event.user_id)
        names = None if event.replace else event.attributes.keys()
        return self._change_user(
            user, event.user_id, lambda u: u.change_identity(event.attributes, event.replace), names
        )

    def _live_user(self, user_id: str, action: str) -> UserRecord:
        user = self.state.users.get(user_id)
        if user is None or not user.provisioned:
            state = "a deleted user" if user is not None and user.deleted else "an unknown user"
            raise InvalidInput(
                "id",
                f"cannot {action} {user_id!r}: it is {state}",
                "send a create for this id first (a create also revives a deleted user)",
            )
        return user

    def _change_user(
        self,
        user: UserRecord | None,
        user_id: str,
        change: Callable[[UserRecord], None],
        names: Iterable[str] | None = None,
    ) -> _Effect:
        """Apply a change to a user (`names`: all it can change, None: any); mark what it made
        stale."""
        st = self.state
        is_new = user is None
        if user is None:
            user = UserRecord(user_id)
        before = (user.workspaces, user.active, user.deleted)
        old_attributes = user.attributes
        change(user)
        st.users[user_id] = user
        changed = st.attributes.update(user_id, old_attributes, user.attributes, names)
        roles, grants = st.rules.rematch(user, old_attributes, None if is_new else changed)
        effect = _Effect()
        mark(effect.stale, [(s, user_id) for s in roles], ROLE)
        mark(effect.stale, [(s, user_id) for s in grants], GRANTS)
        if before[1:] != (user.active, user.deleted):
            spokes = {s.id for s in st.spokes.values() if s.workspace_id in before[0]}
            spokes |= st.member_spokes(user)
            mark(effect.stale, [(s, user_id) for s in spokes], EVERYTHING)
        elif before[0] != user.workspaces:
            flipped = before[0] ^ user.workspaces
            spokes = {s.id for s in st.spokes.values() if s.workspace_id in flipped}
            mark(effect.stale, [(s, user_id) for s in spokes], EVERYTHING)
        return effect

    # --- hierarchies -------------------------------------------------------------------

    def _item_upserted(self, event: HubItemUpserted) -> _Effect:
        tree = self.state.hierarchies.list_for_upsert(event.list)
        change = tree.upsert(event.item, event.parent, event.name)
        if change is ItemChange.CREATED:
            return _Effect.of(self._users_granted(event.list, event.item), GRANTS)
        if change is ItemChange.MOVED:
            pairs: set[Pair] = set()
            for code in tree.subtree(event.item):
                pairs.update(self.state.holders.of_item(event.list, code))
            return _Effect.of(pairs, COVER)
        return _Effect()

    def _item_deleted(self, event: HubItemDeleted) -> _Effect:
        st = self.state
        tree = st.hierarchies.get(event.list)
        if tree is None:
            raise InvalidInput(
                "list",
                f"{event.list!r} is not a known hub list",
                "name a hub list that items were published to",
            )
        tree.delete(event.item)
        pairs = set(st.holders.of_item(event.list, event.item))
        for user_id, spokes in st.explicit.clear_item(event.list, event.item).items():
            pairs.update((s, user_id) for s in spokes)
        return _Effect.of(pairs, GRANTS)

    def _users_granted(self, hub_list: str, item: str) -> set[Pair]:
        """Return the pairs an access rule grants a newly created item to."""
        st = self.state
        pairs: set[Pair] = set()
        filled_by: dict[ItemTemplate, set[str]] = {}
        for rule in st.rules.access_rules_naming(hub_list, item):
            template = rule.item
            if template.attribute is None:
                if template.prefix == item:
                    pairs.update((rule.spoke, u) for u in st.rules.matches.users(rule.id))
                continue
            holders = filled_by.get(template)
            if holders is None:
                holders = filled_by[template] = set()
                for filler in template.fillers_for(item):
                    holders.update(st.attributes.with_value(template.attribute, scalar_key(filler)))
            if holders:
                matched = st.rules.matches.users(rule.id)
                pairs.update((rule.spoke, u) for u in holders if u in matched)
        return pairs

    # --- policies ----------------------------------------------------------------------

    def _rule_published(self, event: RulePublished) -> _Effect:
        rule = event.rule
        self._check_rule(rule)
        st = self.state
        previous = st.rules.rules.get(rule.id)
        pairs = st.rules.publish(rule, st.attributes, st.users)
        return self._rule_changed(rule.id, pairs, _stale_by(rule) | _stale_by(previous))

    def _rule_withdrawn(self, event: RuleWithdrawn) -> _Effect:
        rules = self.state.rules
        previous = rules.rules.get(event.rule_id)
        return self._rule_changed(event.rule_id, rules.withdraw(event.rule_id), _stale_by(previous))

    def _rule_changed(self, rule_id: str, pairs: Iterable[Pair], what: Stale) -> _Effect:
        """Mark what a rule's change made stale; a role rule touches only contested roles."""
        if what == ROLE:
            pairs = role_contested(self.state, pairs, rule_id)
        return _Effect.of(pairs, what)

    def _check_rule(self, rule: AccessRule | RoleRule | QualifiedUser) -> None:
        spokes = rule.spokes if isinstance(rule, QualifiedUser) else (rule.spoke,)
        for spoke_id in spokes:
            if spoke_id not in self.state.spokes:
                known = ", ".join(sorted(self.state.spokes))
                raise InvalidInput(
                    "spoke" if not isinstance(rule, QualifiedUser) else "spokes",
                    f"rule {rule.id!r} names unknown spoke {spoke_id!r}",
                    f"name a configured spoke ({known}) or add the spoke to the configuration",
                )
        if isinstance(rule, AccessRule) and not self.state.spokes[rule.spoke].uses(rule.list):
            lists = ", ".join(self.state.spokes[rule.spoke].hub_lists)
            raise InvalidInput(
                "list",
                f"spoke {rule.spoke!r} does not use hub list {rule.list!r}",
                f"name one of the spoke's lists ({lists}) or map the list in the configuration",
            )

    # --- commands ----------------------------------------------------------------------

    def _context(self, actor: str) -> cmd.Context:
        st = self.state
        users: Mapping[str, UserRecord] = st.users
        facts = self._facts
        if facts is not None:
            known = [p for p in (facts.actor, facts.source) if p is not None]
            users = ChainMap({p.user_id: p.stand_in() for p in known}, st.users)
        return cmd.Context(st.spokes, users, st.hierarchies, st.rules.scopes(actor))

    def _source_grants(self, command: CopyAccess, spoke: Spoke) -> list[tuple[GrantKey, Level]]:
        facts = self._facts
        if facts is not None and facts.source_grants is not None:
            lists = set(spoke.hub_lists if command.lists is None else command.lists)
            return [(key, level) for key, level in facts.source_grants if key[0] in lists]
        source_access = self.state.access_of(spoke.id, command.source)
        return cmd.grants_to_copy(command, source_access, spoke)

    def _set_access(self, command: SetAccess) -> _Effect:
        reason = cmd.judge_set(command, self._context(command.actor))
        if reason:
            return _Effect(decisions=[cmd.Decision(command.command_id, False, reason)])
        key = (command.spoke, command.list, command.item)
        grant = None
        if command.level is not Level.NONE:
            grant = ExplicitGrant(command.level, command.actor, command.command_id)
        self.state.explicit.put(command.user, key, grant)
        effect = _Effect.of([(command.spoke, command.user)], GRANTS)
        effect.decisions.append(cmd.Decision(command.command_id, True))
        return effect

    def _copy_access(self, command: CopyAccess) -> _Effect:
        st = self.state
        ctx = self._context(command.actor)
        reason, scopes = cmd.judge_copy(command, ctx)
        if reason:
            return _Effect(decisions=[cmd.Decision(command.command_id, False, reason)])
        spoke = st.spokes[command.spoke]
        lists = set(spoke.hub_lists if command.lists is None else command.lists)
        current = st.explicit.of(command.user)
        if command.mode == "replace":
            for key in [k for k in current if k[0] == spoke.id and k[1] in lists]:
                if cmd.covers(scopes, spoke, key[1], key[2], st.hierarchies):
                    st.explicit.put(command.user, key, None)
        skipped = []
        for (hub_list, item), level in self._source_grants(command, spoke):
            if not cmd.covers(scopes, spoke, hub_list, item, st.hierarchies):
                skipped.append(cmd.Skipped(hub_list, item, level, cmd.OUTSIDE_SCOPE))
                continue
            key = (spoke.id, hub_list, item)
            existing = st.explicit.of(command.user).get(key)
            if existing is None or existing.level < level:
                grant = ExplicitGrant(level, command.actor, command.command_id)
                st.explicit.put(command.user, key, grant)
        effect = _Effect.of([(spoke.id, command.user)], GRANTS)
        effect.decisions.append(cmd.Decision(command.command_id, True, None, tuple(skipped)))
        return effect


Handler = Callable[[Engine, Any], _Effect]

HANDLERS: dict[type, Handler] = {
    UserCreated: Engine._user_created,
    UserReplaced: Engine._user_replaced,
    UserPatched: Engine._user_patched,
    UserDeleted: Engine._user_deleted,
    UserActivated: Engine._user_activated,
    UserDeactivated: Engine._user_activated,
    IdentityAttributesChanged: Engine._identity_changed,
    HubItemUpserted: Engine._item_upserted,
    HubItemDeleted: Engine._item_deleted,
    RulePublished: Engine._rule_published,
    RuleWithdrawn: Engine._rule_withdrawn,
    SetAccess: Engine._set_access,
    CopyAccess: Engine._copy_access,
}
"""The core's table of contents: each input type and the handler that applies it."""


def _stale_by(rule: AccessRule | RoleRule | QualifiedUser | None) -> Stale:
    """Return what a rule's change can make stale in the pairs it touches."""
    if isinstance(rule, RoleRule):
        return ROLE
    if isinstance(rule, AccessRule):
        return GRANTS
    return 0


def access_of(engine: Engine, spoke_id: str, user_id: str) -> UserAccess:
    """Return a user's current access in a spoke."""
    return engine.state.access_of(spoke_id, user_id)
