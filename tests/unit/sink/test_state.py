"""A user's sink record: wanted values per row key, quarantine, the quarantined gauge."""

from __future__ import annotations

from tests.unit.sink.conftest import state
from uam_events.core.levels import Level
from uam_events.sink.state import Parked, RowKey, Tracked, quarantined_rows

A = RowKey("access", "P", "A")


def test_wanted_values_are_text_per_row_key() -> None:
    """Role, text and access levels read as text; an absent grant wants nothing."""
    desired = state("u1", text="t", A=Level.WRITE)
    assert desired.wanted(RowKey("role")) == "Planner"
    assert desired.wanted(RowKey("text")) == "t"
    assert desired.wanted(A) == "write"
    assert desired.wanted(RowKey("access", "P", "B")) == ""


def test_a_key_is_quarantined_only_for_the_value_it_failed_with() -> None:
    """A new desired value lifts the quarantine; the gauge counts only live quarantines."""
    parked = {A: Parked("read", 5, "item not found", quarantined=True)}
    stuck = Tracked(state("u1", A=Level.READ), parked=parked)
    moved = Tracked(state("u2", A=Level.WRITE), parked=parked)
    assert stuck.quarantined(A)
    assert not moved.quarantined(A)
    assert quarantined_rows([("u1", stuck), ("u2", moved)]) == 1
