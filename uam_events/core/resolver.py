"""Resolve one user's access in one spoke from the rules that match them and explicit grants.

Invariants: own(item) is the max of the explicit grant and every matching access rule on the
item; eff(item) = max(own(item), eff(parent)); the grants are exactly the items where
eff(item) > eff(parent), which is the smallest set Anaplan's parent-to-child inheritance turns
back into every effective level. Work is proportional to the items the user owns a level on
times the depth of the tree, never to the size of a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from uam_events.core.access import (
    Cause,
    DefaultCause,
    ExplicitCause,
    Grant,
    GrantKey,
    UserAccess,
    cause_order,
)
from uam_events.core.access_text import render_text
from uam_events.core.hierarchy import Hierarchies
from uam_events.core.levels import Level
from uam_events.core.rules import AccessRule, RoleRule, role_order
from uam_events.core.spokes import Spoke
from uam_events.core.users import UserRecord


@dataclass(frozen=True, slots=True)
class ExplicitGrant:
    """A level a qualified user set on a target's item, remembered with who and which command."""

    level: Level
    actor: str
    command_id: str
    cause: ExplicitCause = field(init=False, repr=False, compare=False)
    """The cause this grant names, built once so every resolution shares it."""
    grant: Grant = field(init=False, repr=False, compare=False)
    """The grant it alone gives, built once so every resolution shares it."""

    def __post_init__(self) -> None:
        cause = ExplicitCause(self.actor, self.command_id)
        object.__setattr__(self, "cause", cause)
        object.__setattr__(self, "grant", Grant(self.level, (cause,)))


ExplicitKey = tuple[str, str, str]
"""(spoke, hub list, item code)."""

OwnLevels = dict[GrantKey, Grant]
"""Each item a user owns a level on, with the causes reaching that level, in cause order."""

_NONE = Level.NONE
_NO_ACCESS: tuple[Cause, ...] = (DefaultCause("no_access_role"),)
_DEFAULT: tuple[Cause, ...] = (DefaultCause("default_role"),)


def own_levels(
    spoke: Spoke,
    user: UserRecord,
    rules: Iterable[AccessRule],
    explicit: Mapping[ExplicitKey, ExplicitGrant],
    hierarchies: Hierarchies,
) -> OwnLevels:
    """Return each item the user owns a level on in the spoke, with that level's causes."""
    own: OwnLevels = {}
    lists = hierarchies.lists
    attributes = user.attributes
    spoke_id = spoke.id
    for rule in rules:
        tree = lists.get(rule.list)
        if tree is None or rule.spoke != spoke_id or not spoke.uses(rule.list):
            continue
        known = tree.items
        for item in rule.item.items_for(attributes):
            if item in known:
                _raise_to(own, (rule.list, item), rule.grant)
    for (on_spoke, hub_list, item), grant in explicit.items():
        if on_spoke == spoke_id and spoke.uses(hub_list) and hierarchies.contains(hub_list, item):
            _raise_to(own, (hub_list, item), grant.grant)
    return own


def minimal_grants(own: OwnLevels, hierarchies: Hierarchies) -> dict[GrantKey, Grant]:
    """Return the items whose own level beats every ancestor's: the minimal cover.

    An item alone in its list has no ancestor among the own items: it is a grant unwalked.
    """
    if len(own) < 2:
        return dict(own)
    seen: set[str] = set()
    shared: set[str] = set()
    for hub_list, _ in own:
        (shared if hub_list in seen else seen).add(hub_list)
    if not shared:
        return dict(sorted(own.items()))
    grants: dict[GrantKey, Grant] = {}
    lists = hierarchies.lists
    get = own.get
    for key, grant in own.items():
        hub_list, item = key
        if hub_list not in shared:
            grants[key] = grant
            continue
        items = lists[hub_list].items
        level = grant.level
        inherited = _NONE
        ancestor = items[item].parent
        while ancestor is not None and inherited < level:
            above = get((hub_list, ancestor))
            if above is not None and above.level > inherited:
                inherited = above.level
            ancestor = items[ancestor].parent
        if level > inherited:
            grants[key] = grant
    if len(grants) < 2:
        return grants
    return dict(sorted(grants.items()))


def resolve_role(
    spoke: Spoke, user: UserRecord, rules: Iterable[RoleRule]
) -> tuple[str | None, tuple[Cause, ...]]:
    """Return the user's role in the spoke and why: best rule, default, no-access, or none."""
    if spoke.workspace_id not in user.workspaces:
        return None, ()
    if not user.active or user.deleted:
        return spoke.no_access_role, _NO_ACCESS
    candidates = [r for r in rules if r.spoke == spoke.id]
    if not candidates:
        return spoke.default_role, _DEFAULT
    best = candidates[0] if len(candidates) == 1 else min(candidates, key=role_order)
    return best.role, best.because


def resolve_access(
    spoke: Spoke,
    user: UserRecord,
    *,
    access_rules: Iterable[AccessRule],
    role_rules: Iterable[RoleRule],
    explicit: Mapping[ExplicitKey, ExplicitGrant],
    hierarchies: Hierarchies,
    previous: UserAccess | None = None,
) -> UserAccess:
    """Return the user's whole access in the spoke.

    The access text is a pure function of the grants, so `previous`'s text is kept when a
    member's grants did not change. `previous`, when given, must be the full resolution of
    the same hierarchies: a member's same own levels then give its grants without the cover
    walk, and `previous` itself comes back when the role is the same too.
    """
    member = spoke.workspace_id in user.workspaces
    if not member:
        return UserAccess()
    role, role_because = resolve_role(spoke, user, role_rules)
    own: OwnLevels = {}
    grants: dict[GrantKey, Grant] = {}
    if user.is_active_member(spoke.workspace_id):
        own = own_levels(spoke, user, access_rules, explicit, hierarchies)
        if previous is not None and previous.member and own == previous.own:
            if role == previous.role and role_because == previous.role_because:
                return previous
            return UserAccess(True, role, role_because, previous.grants, previous.text, own)
        grants = minimal_grants(own, hierarchies)
    unchanged = previous is not None and previous.member and previous.grants == grants
    text = previous.text if unchanged and previous else render_text(spoke, grants)
    return UserAccess(True, role, role_because, grants, text, own)


def resolve_grants(
    spoke: Spoke,
    user: UserRecord,
    previous: UserAccess,
    *,
    access_rules: Iterable[AccessRule],
    explicit: Mapping[ExplicitKey, ExplicitGrant],
    hierarchies: Hierarchies,
    moved: bool = False,
) -> UserAccess:
    """Return a member's access with grants and text resolved again, the role kept.

    `previous` must be the member's full resolution before the grant inputs changed; it is
    returned as it is when nothing it holds changes. Unless items `moved` (their ancestors
    changed), the same own levels give the same grants, so those end the work early.
    """
    if not user.is_active_member(spoke.workspace_id):
        return previous
    own = own_levels(spoke, user, access_rules, explicit, hierarchies)
    if not moved and own == previous.own:
        return previous
    grants = minimal_grants(own, hierarchies)
    if grants == previous.grants:
        if own == previous.own:
            return previous
        text = previous.text
    else:
        text = render_text(spoke, grants)
    return UserAccess(True, previous.role, previous.role_because, grants, text, own)


def resolve_cover(
    spoke: Spoke, user: UserRecord, previous: UserAccess, hierarchies: Hierarchies
) -> UserAccess:
    """Return a member's access with the cover of its unchanged own levels resolved again.

    For a move: own levels do not depend on ancestors, and fewer than two own items are their
    own cover whatever the tree, so only a pair owning two or more can change.
    """
    own = previous.own
    if len(own) < 2 or not user.is_active_member(spoke.workspace_id):
        return previous
    grants = minimal_grants(own, hierarchies)
    if grants == previous.grants:
        return previous
    text = render_text(spoke, grants)
    return UserAccess(True, previous.role, previous.role_because, grants, text, own)


def _raise_to(own: OwnLevels, key: GrantKey, grant: Grant) -> None:
    """Record a single-cause grant on an item: a higher level wins, an equal one adds its cause
    (causes kept in cause order, so equal inputs give equal own levels)."""
    current = own.get(key)
    if current is None or grant.level > current.level:
        own[key] = grant
    elif grant.level == current.level:
        because = tuple(sorted((*current.because, *grant.because), key=cause_order))
        own[key] = Grant(current.level, because)
