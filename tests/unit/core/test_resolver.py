"""Own levels and the minimal cover: equal inputs give equal values, whatever their order."""

from __future__ import annotations

from collections.abc import Callable

from tests.strategies import SPOKES
from tests.unit.core.conftest import Harness
from uam_events.core.levels import Level
from uam_events.core.resolver import own_levels, resolve_access
from uam_events.core.rules import AccessRule, ItemTemplate, Predicate, RoleRule


def test_tied_causes_are_kept_in_cause_order(harness: Callable[[], Harness]) -> None:
    """Two rules tying on an item give the same own levels in either order, causes sorted."""
    h = harness()
    h.user("u1", dept="Sales")
    state = h.engine.state
    rules = [
        AccessRule(rule_id, "s1", "P", Predicate(), ItemTemplate.parse("B"), Level.READ)
        for rule_id in ("r-2", "r-1")
    ]
    user = state.users["u1"]
    forward = own_levels(SPOKES[0], user, rules, {}, state.hierarchies)
    backward = own_levels(SPOKES[0], user, rules[::-1], {}, state.hierarchies)
    assert forward == backward
    assert [c.rule for c in forward["P", "B"].because] == ["r-1", "r-2"]  # type: ignore[union-attr]


def test_same_own_levels_reuse_the_previous_resolution(harness: Callable[[], Harness]) -> None:
    """A full resolution whose own levels and role come out as before returns `previous`; a
    new role alone keeps its grants and text, and equals a resolution from scratch."""
    h = harness()
    h.user("u1")
    h.grant("r-1", "B", Level.READ)
    state = h.engine.state
    user, spoke = state.users["u1"], SPOKES[0]
    previous = state.access_of(spoke.id, "u1")
    rules = state.rules.access_rules("u1", spoke.id)
    assert previous.grants
    again = resolve_access(
        spoke,
        user,
        access_rules=rules,
        role_rules=[],
        explicit={},
        hierarchies=state.hierarchies,
        previous=previous,
    )
    assert again is previous
    role = RoleRule("role-1", spoke.id, Predicate(), "Viewer")
    inputs = {"access_rules": rules, "role_rules": [role], "explicit": {}}
    reused = resolve_access(spoke, user, **inputs, hierarchies=state.hierarchies, previous=again)
    fresh = resolve_access(spoke, user, **inputs, hierarchies=state.hierarchies)
    assert reused == fresh
    assert reused.role == "Viewer"
    assert reused.grants is previous.grants
