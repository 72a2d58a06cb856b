"""Factories for sink tests: spoke settings, wire deltas and tracked users in one line each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import TypeAdapter

from tests.strategies import SPOKES
from uam_events.contract.outputs import Delta
from uam_events.core.levels import Level
from uam_events.settings import SpokeSettings
from uam_events.sink.coalescing import WireDelta
from uam_events.sink.state import Tracked, UserState

AT = "2026-11-20T08:00:00Z"
INTEGRATION = "integration@example.com"
DELTA: TypeAdapter[WireDelta] = TypeAdapter(Delta)


def spoke_settings(index: int = 0, **changes: Any) -> SpokeSettings:
    """Return the settings of one of the strategies' spokes (s1: lists P and G; s2: G)."""
    spoke = SPOKES[index]
    data: dict[str, Any] = {
        "id": spoke.id,
        "workspace_id": spoke.workspace_id,
        "model_id": "75A40874E6B64FA3AE0743278996850F",
        "default_role": spoke.default_role,
        "no_access_role": spoke.no_access_role,
        "users_import_id": "112000000001",
        "access_text_import_id": "112000000002",
        "schedule": {"every": "10m"},
        "lists": [{"hub": e.hub, "name": e.name} for e in spoke.lists],
    }
    return SpokeSettings.model_validate(data | changes)


def delta(user: str, seq: int, kind: str, spoke: str = "s1", **body: Any) -> WireDelta:
    """Return a wire delta of a user (email `<user>@example.com`)."""
    value = {"spoke": spoke, "user_id": user, "email": f"{user}@example.com", "kind": kind}
    return DELTA.validate_python(value | body | {"at": AT, "seq": seq})


def grant(user: str, seq: int, item: str, old: str, new: str, *, hub: str = "P") -> WireDelta:
    """Return a grant delta on an item of a hub list."""
    return delta(user, seq, "grant", list=hub, item=item, **{"from": old, "to": new}, because=[])


def state(
    user: str, role: str | None = "Planner", text: str | None = None, **grants: Level
) -> UserState:
    """Return a member's state in spoke s1, grants on list P by item code."""
    levels = {("P", item): level for item, level in grants.items()}
    return UserState(f"{user}@example.com", True, role, levels, text, seq=1)


@pytest.fixture
def tracked() -> Callable[..., Tracked]:
    """Return a factory of tracked users: desired and acknowledged states."""

    def make(desired: UserState, acknowledged: UserState | None = None) -> Tracked:
        """Return a user tracked with these states and nothing parked."""
        return Tracked(desired, acknowledged or UserState())

    return make
