"""Refreshing (spoke, user) pairs: resolve again only what went stale, diff, number the deltas.

Invariants: every pair's stored access is the full resolution of the current state. An input
names each pair it touched with what went stale there: its role (a role rule), its grants (an
access rule, an explicit grant, a created or deleted item), only the cover of its own levels
(items it owns moved: own levels do not depend on ancestors) or everything (membership,
activation). Role and grants depend on disjoint inputs once membership and activation are
fixed, so re-resolving only the stale part of a stored access gives the full resolution again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from uam_events.core.access import NOTHING, DefaultCause, RuleCause, UserAccess
from uam_events.core.deltas import Delta, diff_access
from uam_events.core.resolver import resolve_access, resolve_cover, resolve_grants, resolve_role
from uam_events.core.rulebook import Pair
from uam_events.core.rules import RoleRule, role_order
from uam_events.core.spokes import Spoke
from uam_events.core.state import State
from uam_events.core.users import UserRecord

Stale = int
"""What an input may have changed in a pair's access: a union of the flags below (plain ints,
not an IntFlag: marking runs once per touched pair and enum arithmetic is slow)."""

ROLE: Stale = 1
GRANTS: Stale = 2
EVERYTHING: Stale = ROLE | GRANTS
COVER: Stale = 4
"""Only the cover: items the pair owns moved, so their ancestors changed but no own level did."""


def mark(stale: dict[Pair, Stale], pairs: Iterable[Pair], what: Stale) -> None:
    """Record that `what` went stale in each pair."""
    if not what:
        return
    for pair in pairs:
        stale[pair] = stale.get(pair, 0) | what


def role_contested(state: State, pairs: Iterable[Pair], rule_id: str) -> list[Pair]:
    """Return the pairs whose role a change of role rule `rule_id` can change.

    A role is the winning matching rule's; a rule that did not win before and does not beat
    the winner now (or that the user no longer matches) leaves the role as it is. Inactive
    members keep the no-access role and non-members no role, whatever the rules say.
    """
    rules = state.rules
    rule = rules.rules.get(rule_id)
    contender = rule if isinstance(rule, RoleRule) else None
    order = role_order(contender) if contender is not None else None
    contested: list[Pair] = []
    users = rules.matches.users(rule_id)
    users_of = state.users
    for pair in pairs:
        spoke_id, user_id = pair
        user = users_of.get(user_id)
        old = None if user is None else user.access.get(spoke_id)
        if old is not None and not old.member:
            continue
        because = old.role_because[0] if old is not None and len(old.role_because) == 1 else None
        if because is None or (isinstance(because, RuleCause) and because.rule == rule_id):
            contested.append(pair)
            continue
        if order is None or user_id not in users:
            continue
        if not isinstance(because, RuleCause):
            if not isinstance(because, DefaultCause) or because.default == "default_role":
                contested.append(pair)
            continue
        winner = rules.rules.get(because.rule)
        if not isinstance(winner, RoleRule) or order < role_order(winner):
            contested.append(pair)
    return contested


def refresh(state: State, stale: Mapping[Pair, Stale], at: str) -> list[Delta]:
    """Resolve the stale part of each pair again; return the deltas, pairs in code-point order."""
    st = state
    users, spokes = st.users, st.spokes
    deltas: list[Delta] = []
    for pair in sorted(stale):
        spoke_id, user_id = pair
        user = users.get(user_id)
        spoke = spokes.get(spoke_id)
        if user is None or spoke is None:
            continue
        access = user.access
        old = access.get(spoke_id)
        new = _resolve(st, spoke, user, old, stale[pair])
        if new is None:
            continue
        if old is None:
            old = NOTHING
        changes = diff_access(old, new)
        if old.own.keys() != new.own.keys():
            st.holders.replace(pair, old.own, new.own)
        access[spoke_id] = new
        if not changes:
            continue
        seqs = user.seqs
        seq = seqs.get(spoke_id, 0)
        email = user.email
        for kind, body in changes:
            seq += 1
            deltas.append(Delta(spoke_id, user_id, email, kind, body, at, seq))
        seqs[spoke_id] = seq
    return deltas


def _resolve(
    st: State, spoke: Spoke, user: UserRecord, old: UserAccess | None, what: Stale
) -> UserAccess | None:
    """Return a pair's access with its stale part resolved again (None: nothing changed)."""
    rules = st.rules
    if old is None or what & EVERYTHING == EVERYTHING:
        new = resolve_access(
            spoke,
            user,
            access_rules=rules.access_rules(user.id, spoke.id),
            role_rules=rules.role_rules(user.id, spoke.id),
            explicit=st.explicit.of(user.id),
            hierarchies=st.hierarchies,
            previous=old or NOTHING,
        )
        return None if new is old else new
    new = old
    if what & ROLE:
        role, because = resolve_role(spoke, user, rules.role_rules(user.id, spoke.id))
        if role != old.role or because != old.role_because:
            new = UserAccess(old.member, role, because, old.grants, old.text, old.own)
    if new.member and what & GRANTS:
        new = resolve_grants(
            spoke,
            user,
            new,
            access_rules=rules.access_rules(user.id, spoke.id),
            explicit=st.explicit.of(user.id),
            hierarchies=st.hierarchies,
            moved=bool(what & COVER),
        )
    elif new.member and what & COVER:
        new = resolve_cover(spoke, user, new, st.hierarchies)
    return None if new is old else new
