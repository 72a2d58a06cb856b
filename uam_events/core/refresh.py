"""Refreshing (spoke, user) pairs: resolve again only what went stale, diff, number the deltas.

Invariants: every pair's stored access is the full resolution of the current state. An input
names each pair it touched with what went stale there: its role (a role rule), its grants (an
access rule, an explicit grant, a hierarchy change) or everything (membership, activation).
Role and grants depend on disjoint inputs once membership and activation are fixed, so
re-resolving only the stale part of a stored access gives the full resolution again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from uam_events.core.access import DefaultCause, RuleCause, UserAccess
from uam_events.core.deltas import Delta, diff_access
from uam_events.core.resolver import resolve_access, resolve_grants, resolve_role
from uam_events.core.rulebook import Pair
from uam_events.core.rules import RoleRule, role_order
from uam_events.core.state import State

Stale = int
"""What an input may have changed in a pair's access: a union of the flags below (plain ints,
not an IntFlag: marking runs once per touched pair and enum arithmetic is slow)."""

ROLE: Stale = 1
GRANTS: Stale = 2
EVERYTHING: Stale = ROLE | GRANTS
COVER: Stale = GRANTS | 4
"""The grants, including where the own levels stayed: items moved, so their ancestors changed."""


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
    contested: list[Pair] = []
    users = rules.matches.users(rule_id)
    for pair in pairs:
        old = state.access.get(pair)
        if old is not None and not old.member:
            continue
        because = old.role_because[0] if old is not None and len(old.role_because) == 1 else None
        if because is None or (isinstance(because, RuleCause) and because.rule == rule_id):
            contested.append(pair)
            continue
        if contender is None or pair[1] not in users:
            continue
        if not isinstance(because, RuleCause):
            if not isinstance(because, DefaultCause) or because.default == "default_role":
                contested.append(pair)
            continue
        winner = rules.rules.get(because.rule)
        if not isinstance(winner, RoleRule) or role_order(contender) < role_order(winner):
            contested.append(pair)
    return contested


def refresh(state: State, stale: Mapping[Pair, Stale], at: str) -> list[Delta]:
    """Resolve the stale part of each pair again; return the deltas, pairs in code-point order."""
    st = state
    deltas: list[Delta] = []
    for pair in sorted(stale):
        spoke_id, user_id = pair
        user = st.users.get(user_id)
        spoke = st.spokes.get(spoke_id)
        if user is None or spoke is None:
            continue
        what = stale[pair]
        old = st.access.get(pair)
        if old is None:
            old = st.access_of(spoke_id, user_id)
            what = EVERYTHING
        if what & EVERYTHING == EVERYTHING:
            new = resolve_access(
                spoke,
                user,
                access_rules=st.rules.access_rules(user_id, spoke_id),
                role_rules=st.rules.role_rules(user_id, spoke_id),
                explicit=st.explicit.of(user_id),
                hierarchies=st.hierarchies,
                previous=old,
            )
        elif what == ROLE:
            role, because = resolve_role(spoke, user, st.rules.role_rules(user_id, spoke_id))
            if role == old.role and because == old.role_because:
                continue
            new = UserAccess(old.member, role, because, old.grants, old.text, old.own)
        else:
            if not old.member:
                continue
            new = resolve_grants(
                spoke,
                user,
                old,
                access_rules=st.rules.access_rules(user_id, spoke_id),
                explicit=st.explicit.of(user_id),
                hierarchies=st.hierarchies,
                moved=what == COVER,
            )
            if new is old:
                continue
        changes = diff_access(old, new)
        if old.own.keys() != new.own.keys():
            st.holders.replace(pair, old.own, new.own)
        seq = st.seqs.get(pair, 0)
        for kind, body in changes:
            seq += 1
            deltas.append(Delta(spoke_id, user_id, user.email, kind, body, at, seq))
        st.access[pair] = new
        st.seqs[pair] = seq
    return deltas
