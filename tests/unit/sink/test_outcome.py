"""After a run: accepted rows are acknowledged, rejected rows parked, then quarantined."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.sink.conftest import INTEGRATION, spoke_settings, state
from uam_events.contract.audit import PushOutcome, QuarantinedRow
from uam_events.core.levels import Level
from uam_events.errors import SinkError
from uam_events.sink.outcome import Outcome, Rejection, Settled, acknowledge, audit_records
from uam_events.sink.planner import Push, plan
from uam_events.sink.state import Parked, RowKey, Tracked, UserState

R, W = Level.READ, Level.WRITE
BOTH = Outcome(frozenset({"users", "text"}))
AT = datetime(2026, 11, 20, 8, tzinfo=UTC)


def settle(
    users: dict[str, Tracked], outcome: Outcome = BOTH, after: int = 3
) -> tuple[Push, Settled]:
    """Plan spoke s1 for `users`, then settle the run with `outcome`."""
    push = plan(spoke_settings(), sorted(users.items()), INTEGRATION)
    settled = acknowledge(
        push, outcome, users.__getitem__, no_access_role="No Access", quarantine_after=after
    )
    return push, settled


def test_accepted_rows_become_the_acknowledged_state() -> None:
    """With every row accepted, the acknowledged state equals the desired one."""
    desired = state("u1", text="P Prod: read A", A=R, B=W)
    _, settled = settle({"u1": Tracked(desired, state("u1", A=W, C=R))})
    assert settled.updates["u1"].acknowledged == desired
    assert settled.accepted == 5
    assert (settled.rejected, settled.pending) == (0, 0)


def test_a_rejected_row_is_not_acknowledged_and_is_planned_again() -> None:
    """The rejected item stays unacknowledged, so the next run pushes it again."""
    users = {"u1": Tracked(state("u1", A=R, B=R))}
    push, settled = settle(users, Outcome(frozenset({"users"}), (Rejection("users", 2, "bad"),)))
    rejected = push.users_file().rows[0]
    after = settled.updates["u1"]
    assert (rejected.key.list, rejected.key.item) not in after.acknowledged.grants
    assert after.parked[rejected.key] == Parked("read", 1, "bad")
    again = plan(spoke_settings(), [("u1", after)], INTEGRATION)
    assert [row.cells for row in again.users_file().rows] == [rejected.cells]


def test_a_row_rejected_n_runs_is_quarantined_with_an_audit_record() -> None:
    """The third rejection quarantines the row; the role it carried then goes alone."""
    user = Tracked(state("u1", A=R))
    reject = Outcome(frozenset({"users"}), (Rejection("users", 2, "item not found"),))
    for _ in range(3):
        push, settled = settle({"u1": user}, reject)
        user = settled.updates["u1"]
    assert user.parked[RowKey("access", "P", "A")].quarantined
    assert settled.pending == 0
    [quarantine] = settled.quarantined
    assert quarantine.runs == 3
    records = audit_records(push, settled, AT)
    assert isinstance(records[0], PushOutcome)
    assert records[0].quarantined == 1
    assert records[1] == QuarantinedRow(
        kind="row_quarantined", spoke="s1", user_id="u1", email="u1@example.com", file="users",
        key="access P/A", row={"Email Address": "u1@example.com", "Model Role": "Planner",
                               "P Prod Read": "A"},
        runs=3, error="item not found", at=AT,
    )  # fmt: skip
    push, settled = settle({"u1": user})
    assert [row.key for row in push.users_file().rows] == [RowKey("role")]
    assert plan(spoke_settings(), [("u1", settled.updates["u1"])], INTEGRATION).empty


def test_a_new_wanted_value_restarts_the_count() -> None:
    """A parked key whose desired value changed is counted from one again."""
    parked = {RowKey("access", "P", "A"): Parked("read", 2, "bad")}
    user = Tracked(state("u1", A=W), UserState(), parked)
    reject = Outcome(frozenset({"users"}), (Rejection("users", 2, "bad"),))
    _, settled = settle({"u1": user}, reject)
    assert settled.updates["u1"].parked[RowKey("access", "P", "A")].runs == 1


def test_rows_of_a_file_whose_import_did_not_complete_are_left_as_they_were() -> None:
    """Only the users import completed: the text stays unacknowledged and is not counted."""
    _, settled = settle({"u1": Tracked(state("u1", text="t", A=R))}, Outcome(frozenset({"users"})))
    after = settled.updates["u1"]
    assert after.acknowledged.text is None
    assert after.acknowledged.grants == {("P", "A"): R}
    assert not after.parked


def test_a_rejected_none_row_keeps_write_under_additive_rules() -> None:
    """A downgrade whose None row failed leaves Write: the Read row cannot lower it."""
    user = Tracked(state("u1", A=R), state("u1", A=W))
    reject = Outcome(frozenset({"users"}), (Rejection("users", 2, "locked"),))
    _, settled = settle({"u1": user}, reject)
    assert settled.updates["u1"].acknowledged.grants == {("P", "A"): W}


def test_an_accepted_no_access_row_clears_the_acknowledged_grants() -> None:
    """No Access clears all selective access, so nothing stays acknowledged."""
    user = Tracked(state("u1", "No Access"), state("u1", A=W))
    _, settled = settle({"u1": user})
    assert settled.updates["u1"].acknowledged.grants == {}
    assert settled.updates["u1"].acknowledged.role == "No Access"


def test_a_rejection_on_a_line_never_pushed_is_an_error() -> None:
    """A failure dump that names a line the file does not have stops the run."""
    with pytest.raises(SinkError, match="line 9"):
        settle(
            {"u1": Tracked(state("u1", A=R))},
            Outcome(frozenset({"users"}), (Rejection("users", 9, "?"),)),
        )


def test_acknowledging_records_the_planned_seq_not_a_later_one() -> None:
    """The acknowledged seq is the one planned, even if more deltas were folded since."""
    desired = state("u1", A=R)
    push = plan(spoke_settings(), [("u1", Tracked(desired))], INTEGRATION)
    later = Tracked(UserState("u1@example.com", True, "Planner", {}, None, seq=9))
    settled = acknowledge(
        push, BOTH, lambda _: later, no_access_role="No Access", quarantine_after=3
    )
    assert settled.updates["u1"].acknowledged.seq == desired.seq
    assert settled.updates["u1"].desired == later.desired
