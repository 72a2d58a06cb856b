"""Factories for engine tests: an engine over the test spokes, users and rules in one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.strategies import BASE_TREE, SPOKES
from uam_events.core.deltas import Delta
from uam_events.core.engine import Engine, Outcome
from uam_events.core.events import HubItemUpserted, Input, RulePublished, UserCreated
from uam_events.core.levels import Level
from uam_events.core.rules import AccessRule, Equals, ItemTemplate, Predicate
from uam_events.core.scim_user import ENTERPRISE_URN


class Harness:
    """An engine with the base tree, plus helpers that read like the scenario."""

    def __init__(self) -> None:
        self.engine = Engine(SPOKES)
        for event in BASE_TREE:
            self.apply(event)

    def apply(self, event: Input) -> Outcome:
        """Apply one input at a fixed time."""
        return self.engine.apply(event, "2026-11-20T00:00:00Z")

    def user(
        self, user_id: str, *, workspaces: tuple[str, ...] = ("ws1",), **attrs: Any
    ) -> Outcome:
        """Create an active user with enterprise attributes."""
        resource: dict[str, Any] = {
            "userName": f"{user_id}@example.com",
            "active": True,
            "emails": [{"value": f"{user_id}@example.com", "primary": True}],
            ENTERPRISE_URN: attrs,
            "entitlements": [{"value": w, "type": "WORKSPACE"} for w in workspaces],
        }
        return self.apply(UserCreated(user_id, resource))

    def grant(self, rule_id: str, item: str, level: Level, hub: str = "P", **when: Any) -> Outcome:
        """Publish an access rule in spoke s1."""
        predicate = Predicate(tuple(Equals(k, v) for k, v in when.items()))
        rule = AccessRule(rule_id, "s1", hub, predicate, ItemTemplate.parse(item), level)
        return self.apply(RulePublished(rule))

    def move(self, item: str, parent: str | None, hub: str = "P") -> Outcome:
        """Move an item."""
        return self.apply(HubItemUpserted(hub, item, parent, item.lower()))

    def grants(self, user_id: str, spoke: str = "s1") -> dict[str, str]:
        """Return a user's grants as {"list/item": level}."""
        access = self.engine.state.access_of(spoke, user_id)
        return {f"{k[0]}/{k[1]}": g.level.label for k, g in access.grants.items()}


@pytest.fixture
def harness() -> Callable[[], Harness]:
    """Return a factory of fresh harnesses."""
    return Harness


def kinds(deltas: list[Delta]) -> list[str]:
    """Return the kinds of deltas in order."""
    return [d.kind for d in deltas]
