"""The router's reorder buffer: any arrival order of a run comes out in number order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from uam_events.sequencer import Sequencer


@given(st.permutations(list(range(30))))
def test_any_arrival_order_is_released_in_number_order(order: list[int]) -> None:
    """Offered in any order after the first, a run is released exactly 0..n-1."""
    sequencer: Sequencer[int] = Sequencer()
    released = sequencer.offer("run", 0, 0, now=0.0)
    for seq in [s for s in order if s != 0]:
        released += sequencer.offer("run", seq, seq, now=0.0)
    assert released == list(range(30))
    assert sequencer.held == 0


def test_a_gap_is_given_up_after_the_patience() -> None:
    """A missing record holds its successors only until the patience runs out."""
    sequencer: Sequencer[str] = Sequencer(patience=5.0)
    assert sequencer.offer("r", 0, "a", now=0.0) == ["a"]
    assert sequencer.offer("r", 2, "c", now=1.0) == []
    assert sequencer.expire(now=5.0) == []
    assert sequencer.expire(now=6.0) == ["c"]
    assert sequencer.offer("r", 1, "b", now=7.0) == ["b"]


def test_runs_are_independent() -> None:
    """A gap in one run does not hold another run."""
    sequencer: Sequencer[str] = Sequencer()
    assert sequencer.offer("r1", 0, "a", now=0.0) == ["a"]
    assert sequencer.offer("r1", 2, "c", now=0.0) == []
    assert sequencer.offer("r2", 0, "x", now=0.0) == ["x"]
    assert sequencer.held == 1
