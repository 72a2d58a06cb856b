"""Coalescing: deltas folded into desired state, replays dropped, reversals cancelled."""

from __future__ import annotations

from tests.unit.sink.conftest import INTEGRATION, delta, grant, spoke_settings, state
from uam_events.core.levels import Level
from uam_events.sink.coalescing import coalesce, fold
from uam_events.sink.planner import plan
from uam_events.sink.state import UNTRACKED, Tracked, UserState


def test_a_window_folds_membership_role_grants_and_text() -> None:
    """Every delta kind lands in the desired state, with the last seq and email."""
    window = [
        delta("u1", 1, "membership", member=True),
        delta("u1", 2, "role", **{"from": None, "to": "Planner"}, because=[]),
        grant("u1", 3, "A", "none", "write"),
        delta("u1", 4, "text", text="P Prod: write A"),
    ]
    changed = coalesce(lambda _: UNTRACKED, window)
    assert changed["u1"].desired == UserState(
        "u1@example.com", True, "Planner", {("P", "A"): Level.WRITE}, "P Prod: write A", 4
    )
    assert changed["u1"].acknowledged == UserState()


def test_a_delta_not_above_the_folded_seq_changes_nothing() -> None:
    """Consumers are idempotent by seq: a re-delivered delta is dropped."""
    before = fold(UNTRACKED, grant("u1", 5, "A", "none", "read"))
    assert fold(before, grant("u1", 5, "A", "read", "none")) is before
    assert fold(before, grant("u1", 2, "B", "none", "write")) is before


def test_a_change_and_its_reversal_leave_the_desired_state_as_it_was() -> None:
    """A grant given and taken back in one window leaves the grants as they were: no push."""
    start = Tracked(state("u1", B=Level.READ), state("u1", B=Level.READ))
    window = [grant("u1", 2, "A", "none", "write"), grant("u1", 3, "A", "write", "none")]
    after = coalesce(lambda _: start, window)["u1"]
    assert after.desired.grants == start.acknowledged.grants
    assert plan(spoke_settings(), [("u1", after)], INTEGRATION).empty


def test_leaving_the_workspace_empties_the_acknowledged_state() -> None:
    """Anaplan drops a user who leaves the workspace, so nothing is acknowledged any more."""
    start = Tracked(state("u1", A=Level.READ), state("u1", A=Level.READ))
    after = fold(start, delta("u1", 2, "membership", member=False))
    assert after.acknowledged == UserState(seq=2)
    assert not after.desired.member


def test_each_user_is_read_once_per_window() -> None:
    """The store is read once per user, however many deltas the user has."""
    reads: list[str] = []

    def read(user_id: str) -> Tracked:
        """Record the read and return an untracked user."""
        reads.append(user_id)
        return UNTRACKED

    coalesce(read, [grant("u1", 1, "A", "none", "read"), grant("u1", 2, "B", "none", "read")])
    assert reads == ["u1"]
