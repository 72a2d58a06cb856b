"""A deliberately simple recomputation of everything the engine derives, for property tests.

It shares no index, cache or resolver code with the engine: every rule is evaluated against
every user, every item's effective level is computed from its whole path.
"""

from __future__ import annotations

from dataclasses import dataclass

from uam_events.core.levels import Level
from uam_events.core.rules import (
    AccessRule,
    Equals,
    Exists,
    ItemTemplate,
    OneOf,
    Predicate,
    RoleRule,
)
from uam_events.core.spokes import Spoke
from uam_events.core.state import State
from uam_events.core.users import UserRecord
from uam_events.core.values import AttrValue


@dataclass(frozen=True)
class NaiveAccess:
    """What the naive recomputation says a user holds in a spoke."""

    member: bool
    role: str | None
    grants: dict[tuple[str, str], Level]
    effective: dict[tuple[str, str], Level]


def _scalars(value: AttrValue | None) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, tuple) else [value]


def _same(a: object, b: object) -> bool:
    def tag(x: object) -> str:
        return "b" if isinstance(x, bool) else "s" if isinstance(x, str) else "n"

    return tag(a) == tag(b) and a == b


def naive_matches(predicate: Predicate, attributes: dict[str, AttrValue]) -> bool:
    """Evaluate a predicate clause by clause."""
    for clause in predicate.clauses:
        held = _scalars(attributes.get(clause.attribute))
        if isinstance(clause, Equals) and not any(_same(h, clause.value) for h in held):
            return False
        if isinstance(clause, OneOf) and not any(_same(h, v) for h in held for v in clause.values):
            return False
        if isinstance(clause, Exists) and bool(held) != clause.present:
            return False
    return True


def naive_items(template: ItemTemplate, attributes: dict[str, AttrValue]) -> list[str]:
    """Fill a template from the user's attribute, each scalar in turn."""
    if template.attribute is None:
        return [template.prefix]
    items = []
    for value in _scalars(attributes.get(template.attribute)):
        if isinstance(value, bool):
            continue
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        items.append(f"{template.prefix}{text}{template.suffix}")
    return items


def naive_access(state: State, spoke: Spoke, user: UserRecord) -> NaiveAccess:
    """Recompute one user's access in one spoke from scratch."""
    if spoke.workspace_id not in user.workspaces:
        return NaiveAccess(False, None, {}, {})
    rules = list(state.rules.rules.values())
    if not user.active or user.deleted:
        return NaiveAccess(True, spoke.no_access_role, {}, {})
    roles = sorted(
        (
            r
            for r in rules
            if isinstance(r, RoleRule)
            and r.spoke == spoke.id
            and naive_matches(r.when, user.attributes)
        ),
        key=lambda r: (-r.priority, r.id),
    )
    role = roles[0].role if roles else spoke.default_role
    own = naive_own(state, spoke, user)
    grants: dict[tuple[str, str], Level] = {}
    effective: dict[tuple[str, str], Level] = {}
    for hub_list in spoke.hub_lists:
        tree = state.hierarchies.get(hub_list)
        if tree is None:
            continue
        for item in tree.items:
            path = tree.path(item)
            eff = max((own.get((hub_list, code), Level.NONE) for code in path), default=Level.NONE)
            parent = path[:-1]
            above = max((own.get((hub_list, c), Level.NONE) for c in parent), default=Level.NONE)
            if eff > Level.NONE:
                effective[(hub_list, item)] = eff
            if eff > above:
                grants[(hub_list, item)] = eff
    return NaiveAccess(True, role, grants, effective)


def naive_own(state: State, spoke: Spoke, user: UserRecord) -> dict[tuple[str, str], Level]:
    """Return the user's own level on each item: the max of matching rules and explicit grants."""
    own: dict[tuple[str, str], Level] = {}
    for rule in state.rules.rules.values():
        if not isinstance(rule, AccessRule) or rule.spoke != spoke.id:
            continue
        if not naive_matches(rule.when, user.attributes):
            continue
        for item in naive_items(rule.item, user.attributes):
            key = (rule.list, item)
            own[key] = max(own.get(key, Level.NONE), rule.level)
    for (spoke_id, hub_list, item), grant in state.explicit.of(user.id).items():
        if spoke_id == spoke.id:
            key = (hub_list, item)
            own[key] = max(own.get(key, Level.NONE), grant.level)
    return own
