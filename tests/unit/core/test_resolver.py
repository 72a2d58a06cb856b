"""Own levels and the minimal cover: equal inputs give equal values, whatever their order."""

from __future__ import annotations

from collections.abc import Callable

from tests.strategies import SPOKES
from tests.unit.core.conftest import Harness
from uam_events.core.levels import Level
from uam_events.core.resolver import own_levels
from uam_events.core.rules import AccessRule, ItemTemplate, Predicate


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
