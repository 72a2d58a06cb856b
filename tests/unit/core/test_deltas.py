"""Deltas: what changes emit, and how consumers fold them (replays dropped by seq)."""

from __future__ import annotations

from uam_events.core.access import Grant, RuleCause, UserAccess
from uam_events.core.deltas import diff_access, fold_delta
from uam_events.core.levels import Level


def test_a_revoked_grant_is_emitted_as_none() -> None:
    """Removing a grant says `to: none`, never silence (explicit None)."""
    old = UserAccess(True, "R", (), {("P", "A"): Grant(Level.READ, (RuleCause("r"),))}, "t")
    new = UserAccess(True, "R", (), {}, "t")
    assert diff_access(old, new) == [
        ("grant", {"list": "P", "item": "A", "from": "read", "to": "none", "because": []})
    ]


def test_a_change_of_cause_alone_is_a_delta() -> None:
    """Same level, new cause: consumers see why changed."""
    old = UserAccess(True, "R", (), {("P", "A"): Grant(Level.READ, (RuleCause("r1"),))}, "t")
    new = UserAccess(True, "R", (), {("P", "A"): Grant(Level.READ, (RuleCause("r2"),))}, "t")
    [(kind, body)] = diff_access(old, new)
    assert (kind, body["from"], body["to"], body["because"]) == (
        "grant",
        "read",
        "read",
        [{"rule": "r2"}],
    )


def test_no_change_emits_nothing() -> None:
    """Equal access gives no delta."""
    access = UserAccess(True, "R", (), {}, "t")
    assert diff_access(access, access) == []


def test_fold_drops_replays_and_ends_at_none_when_nothing_is_held() -> None:
    """A delta with an old seq is ignored; leaving the spoke folds to None."""
    base = {"spoke": "s", "user_id": "u", "email": None, "at": "t"}
    joined = fold_delta(None, {**base, "kind": "membership", "member": True, "seq": 1})
    assert joined is not None
    assert fold_delta(joined, {**base, "kind": "membership", "member": False, "seq": 1}) == joined
    left = fold_delta(joined, {**base, "kind": "membership", "member": False, "seq": 2})
    assert left is None
