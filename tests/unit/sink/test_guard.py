"""The accidental-deletion guard: hold a push that lowers too many users until released."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.sink.conftest import INTEGRATION, spoke_settings, state
from uam_events.core.levels import Level
from uam_events.errors import NoSuchHeldPush
from uam_events.settings import GuardSettings
from uam_events.sink.guard import OPEN, GuardState, release, review, threshold
from uam_events.sink.planner import Push, plan
from uam_events.sink.state import Tracked

AT = datetime(2026, 11, 20, 8, tzinfo=UTC)
GUARD = GuardSettings(max_revoked_fraction=0.10, min_revoked_users=2)


def revoking(held: int, lowered: int) -> Push:
    """Plan a push where `held` users hold an item and the first `lowered` of them lose it."""
    users = []
    for n in range(held):
        was = state(f"u{n:03d}", A=Level.READ)
        now = state(f"u{n:03d}") if n < lowered else was
        users.append((f"u{n:03d}", Tracked(now, was)))
    return plan(spoke_settings(), users, INTEGRATION)


@pytest.mark.parametrize(
    ("held", "lowered", "go"),
    [(10, 2, True), (10, 3, False), (50, 5, True), (50, 6, False), (0, 0, True)],
)
def test_a_push_goes_when_it_lowers_at_most_the_threshold(
    held: int, lowered: int, go: bool
) -> None:
    """The limit is max(fraction x users, min_revoked_users), with no rounding."""
    assert review(revoking(held, lowered), GUARD, OPEN, AT).go is go


def test_the_defaults_are_ten_percent_and_twenty_users() -> None:
    """DESIGN 3.8's defaults: 20 users up to 200 users, then a tenth."""
    assert threshold(GuardSettings(), 100) == 20
    assert threshold(GuardSettings(), 1000) == 100


def test_a_held_push_is_reported_once_then_released_by_its_id() -> None:
    """The first review reports it; the same push again is held silently; a release lets it go."""
    push = revoking(10, 3)
    first = review(push, GUARD, OPEN, AT)
    assert first.record is not None
    assert first.record.lowered_users == 3
    assert first.record.sample == ["u000", "u001", "u002"]
    again = review(push, GUARD, first.state, AT)
    assert not again.go
    assert again.record is None
    released, record = release("s1", again.state, first.record.push_id, "ops@example.com", AT)
    assert record.lowered_users == 3
    assert review(push, GUARD, released, AT).go


def test_a_release_covers_only_the_users_it_named() -> None:
    """Users lowered beyond the released set count again towards the threshold."""
    state_ = GuardState(None, frozenset(), frozenset({"u000", "u001", "u002"}))
    assert review(revoking(10, 5), GUARD, state_, AT).go
    assert not review(revoking(10, 6), GUARD, state_, AT).go


def test_releasing_a_push_that_is_not_held_names_the_one_that_is() -> None:
    """An operator who releases a stale id is told which id is held."""
    held = GuardState("abc", frozenset({"u1"}))
    with pytest.raises(NoSuchHeldPush, match="the held push is abc"):
        release("s1", held, "def", "ops@example.com", AT)
