"""Generated policies: selective access rules, role rules, qualified-user scopes, and explicit
grants that a qualified user is allowed to set.

Invariant: every predicate is drawn from a real person's attributes, so rules match someone,
and `in_scope_grant` only returns commands that the actor's scope covers at that moment.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from uam_events.generate_model import Enterprise, JsonDict, Person, Scope, SpokeSpec, matches
from uam_events.generate_people import families

TEMPLATES = {"Products": "{segment}", "Geography": "{region}"}
SENIOR = [6, 7, 8, 9]


def sample_person(ent: Enterprise, rng: random.Random, departments: tuple[str, ...] = ()) -> Person:
    """Return a random live person, from `departments` when a few tries find one."""
    person = ent.people[rng.randrange(len(ent.people))]
    for _ in range(30):
        live = not person.deleted and person.id != ent.integration_id
        if live and (not departments or person.department in departments):
            return person
        person = ent.people[rng.randrange(len(ent.people))]
    return next(p for p in ent.people if p.id != ent.integration_id and not p.deleted)


def scalar(value: Any, rng: random.Random) -> Any:
    """Return one element of a list-valued attribute, or the value itself."""
    return rng.choice(value) if isinstance(value, list) else value


def mid_item(ent: Enterprise, hub: str, rng: random.Random) -> str:
    """Return a mid-level item: a category or line of Products, a country or region."""
    tree = ent.trees[hub]
    if hub == "Products":
        levels = [k for k in (3, 4) if k < tree.depth] or [max(1, tree.depth - 1)]
    else:
        levels = [3, 3, 2] if tree.depth >= 3 else [tree.depth]
    return tree.levels[rng.choice(levels) - 1].choice(rng)


def region_of(ent: Enterprise, person: Person) -> str:
    """Return the Geography region a person's home country sits in."""
    geo = ent.trees["Geography"]
    return geo.parent.get(person.country) or person.country or "WORLD"


def region_codes(ent: Enterprise, region: str) -> list[str]:
    """Return a region and its countries: what `{"region": {"in": ...}}` lists."""
    return [region, *ent.trees["Geography"].children.get(region, [])]


RuleShape = tuple[JsonDict, str]
RuleKind = Callable[[Enterprise, Person, str, random.Random], RuleShape]


def _by_cost_center(ent: Enterprise, p: Person, hub: str, rng: random.Random) -> RuleShape:
    """Grant one cost centre a mid-level item."""
    return {"costCenter": p.cost_center}, mid_item(ent, hub, rng)


def _by_country(ent: Enterprise, p: Person, hub: str, rng: random.Random) -> RuleShape:
    """Grant a department in one country its country, or its segment's products."""
    when = {"department": p.department, "region": scalar(p.hr.get("region", p.country), rng)}
    if hub == "Geography":
        return when, p.country or mid_item(ent, hub, rng)
    return when, TEMPLATES[hub] if rng.random() < 0.5 else mid_item(ent, hub, rng)


def _by_segment(ent: Enterprise, p: Person, hub: str, rng: random.Random) -> RuleShape:
    """Grant a department's people of one product family a part of it, or their region."""
    if "segment" not in p.hr:
        return _by_cost_center(ent, p, hub, rng)
    segment = scalar(p.hr["segment"], rng)
    when = {"department": p.department, "segment": segment}
    if hub == "Geography":
        return when, region_of(ent, p)
    tree = ent.trees["Products"]
    below = tree.children.get(segment) or [segment]
    return when, below[rng.randrange(len(below))]


def _by_seniority(ent: Enterprise, p: Person, hub: str, rng: random.Random) -> RuleShape:
    """Grant a division's most senior grades their region or a whole product family."""
    when = {"division": p.division, "level": {"in": SENIOR[rng.randrange(2, 4) :]}}
    if hub == "Geography":
        return when, region_of(ent, p)
    return when, rng.choice(families(ent.trees["Products"]))


def _by_cost_centers(ent: Enterprise, p: Person, hub: str, rng: random.Random) -> RuleShape:
    """Grant two cost centres' segmented people their segment or region."""
    other = sample_person(ent, rng, (p.department,)).cost_center
    centers = list(dict.fromkeys([p.cost_center, other]))
    return {"costCenter": {"in": centers}, "segment": {"exists": True}}, TEMPLATES[hub]


def _by_title(ent: Enterprise, p: Person, hub: str, rng: random.Random) -> RuleShape:
    """Grant one title in one region its region, or a mid-level product item."""
    when = {"title": p.title, "region": {"in": region_codes(ent, region_of(ent, p))}}
    return when, TEMPLATES[hub] if hub == "Geography" else mid_item(ent, hub, rng)


RULE_KINDS: tuple[RuleKind, ...] = (
    _by_cost_center, _by_country, _by_segment, _by_seniority, _by_cost_centers, _by_title,
)  # fmt: skip
RULE_WEIGHTS = (30, 20, 20, 10, 10, 10)


def access_rule(ent: Enterprise, spoke: SpokeSpec, k: int, rng: random.Random) -> JsonDict:
    """Return the k-th access rule of a spoke; the first covers a whole home department."""
    hub = rng.choice(spoke.lists)
    person = sample_person(ent, rng, spoke.departments)
    if k == 0:
        when: JsonDict = {"department": spoke.departments[0]}
        item, level = TEMPLATES[hub], "read"
    else:
        kind = rng.choices(RULE_KINDS, weights=RULE_WEIGHTS)[0]
        when, item = kind(ent, person, hub, rng)
        level = "write" if rng.random() < 0.3 else "read"
    if "{" not in item:
        ent.protected_items[(hub, item)] = None
    return {
        "kind": "access_rule",
        "id": f"r-{spoke.id}-{k:04d}",
        "spoke": spoke.id,
        "list": hub,
        "when": when,
        "grant": {"item": item, "level": level},
    }


def role_rule(ent: Enterprise, spoke: SpokeSpec, k: int, rng: random.Random) -> JsonDict:
    """Return the k-th role rule of a spoke; priorities repeat so that ties happen."""
    p = sample_person(ent, rng, spoke.departments)
    shapes: list[tuple[JsonDict, int]] = [
        ({"department": p.department}, 10),
        ({"department": p.department, "level": {"in": SENIOR}}, 20),
        ({"costCenter": p.cost_center}, rng.choice((5, 10, 15, 20, 30))),
        ({"title": p.title}, 30),
        ({"division": p.division}, 5),
        ({"region": {"in": region_codes(ent, region_of(ent, p))}}, 10),
    ]
    when, priority = shapes[0] if k == 0 else rng.choice(shapes)
    return {
        "kind": "role_rule",
        "id": f"role-{spoke.id}-{k:03d}",
        "spoke": spoke.id,
        "when": when,
        "role": spoke.roles[0] if k == 0 else rng.choice(spoke.roles),
        "priority": priority,
    }


def build_scope(ent: Enterprise, actor: Person, rng: random.Random) -> Scope:
    """Return a qualified-user scope for an actor: spokes, item subtrees, target predicate."""
    own = [s for s in ent.spokes if s.id in actor.workspaces] or ent.spokes
    spokes = [rng.choice(own)]
    if len(ent.spokes) > 1 and rng.random() < 0.3:
        spokes = list(dict.fromkeys([*spokes, rng.choice(ent.spokes)]))
    items: list[JsonDict] = []
    for spoke in spokes:
        for _ in range(2 if rng.random() < 0.3 else 1):
            entry = _scope_item(ent, actor, rng.choice(spoke.lists), rng)
            if entry not in items:
                items.append(entry)
    rule = {
        "kind": "qualified_user",
        "id": f"q-{actor.id}",
        "user": actor.id,
        "spokes": [s.id for s in spokes],
        "items": items,
        "users": _target_predicate(ent, actor, rng),
    }
    actor.hr["qualified"] = True
    scope = Scope(rule=rule, candidates=_candidates(ent, rule))
    if not scope.candidates:
        rule["users"] = None
        scope.candidates = _candidates(ent, rule)
    return scope


def _scope_item(ent: Enterprise, actor: Person, hub: str, rng: random.Random) -> JsonDict:
    """Return a scope subtree: a product family or category, the actor's region or country."""
    tree = ent.trees[hub]
    if hub == "Geography":
        item = region_of(ent, actor) if rng.random() < 0.5 or not actor.country else actor.country
    else:
        level = 2 if rng.random() < 0.4 or tree.depth < 4 else 3
        item = tree.levels[min(level, tree.depth) - 1].choice(rng)
    ent.protected_items[(hub, item)] = None
    return {"list": hub, "item": item}


def _target_predicate(ent: Enterprise, actor: Person, rng: random.Random) -> JsonDict | None:
    """Return who an actor may manage: their department, their region, or anyone."""
    roll = rng.random()
    if roll < 0.4:
        return {"department": actor.department}
    if roll < 0.65:
        return {"region": {"in": region_codes(ent, region_of(ent, actor))}}
    if roll < 0.85:
        return {"department": actor.department, "segment": {"exists": True}}
    return None


def _candidates(ent: Enterprise, rule: JsonDict) -> list[str]:
    """Return the live people a scope's predicate matches, the actor excluded."""
    return [
        p.id
        for p in ent.people
        if p.id not in (rule["user"], ent.integration_id)
        and not p.deleted
        and matches(rule["users"], p.attributes())
    ]


def in_scope_grant(ent: Enterprise, scope: Scope, rng: random.Random) -> JsonDict | None:
    """Return an allowed set_access command of a scope's actor, or None if no target fits."""
    target = pick_target(ent, scope, rng)
    if target is None:
        return None
    spoke, hub, root = pick_scope_item(ent, scope, target, rng)
    item = ent.trees[hub].sample_below(root, rng)
    level = "write" if rng.random() < 0.4 else "read"
    return set_access(
        ent, actor=scope.actor, user=target.id, spoke=spoke, hub=hub, item=item, level=level
    )


def pick_target(ent: Enterprise, scope: Scope, rng: random.Random) -> Person | None:
    """Return a live candidate the scope's predicate still matches (attributes change)."""
    for _ in range(8):
        person = ent.by_id[scope.candidates[rng.randrange(len(scope.candidates))]]
        if person.deleted or person.id == scope.actor:
            continue
        if matches(scope.rule["users"], person.attributes()):
            return person
    return None


def pick_scope_item(
    ent: Enterprise, scope: Scope, target: Person, rng: random.Random
) -> tuple[str, str, str]:
    """Return (spoke, list, subtree root) of a scope, in a spoke the target belongs to if any."""
    options = [
        (spoke, entry["list"], entry["item"])
        for spoke in scope.rule["spokes"]
        for entry in scope.rule["items"]
        if entry["list"] in ent.spoke(spoke).lists
    ]
    preferred = [o for o in options if o[0] in target.workspaces]
    return rng.choice(preferred or options)


def set_access(
    ent: Enterprise,
    *,
    actor: str,
    user: str,
    spoke: str,
    hub: str,
    item: str,
    level: str,
    record: bool = True,
) -> JsonDict:
    """Return a set_access command; record the explicit grant it leaves unless rejected."""
    if record:
        held = ent.grants.setdefault(user, {})
        if level == "none":
            held.pop((spoke, hub, item), None)
        else:
            held[(spoke, hub, item)] = level
    return {
        "command_id": ent.next_command_id(),
        "type": "set_access",
        "actor": actor,
        "user": user,
        "spoke": spoke,
        "list": hub,
        "item": item,
        "level": level,
    }
