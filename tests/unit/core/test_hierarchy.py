"""Hub lists: upserts, moves, deletes and the checks that keep them trees."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uam_events.core.hierarchy import HubList, ItemChange
from uam_events.errors import InvalidInput


def tree() -> HubList:
    """Return TOTAL > HW > LAPTOP, TOTAL > SW."""
    products = HubList("Products")
    products.upsert("TOTAL", None, "All")
    products.upsert("HW", "TOTAL", "Hardware")
    products.upsert("LAPTOP", "HW", "Laptops")
    products.upsert("SW", "TOTAL", "Software")
    return products


def test_upsert_reports_what_it_did() -> None:
    """Create, rename, move and no-op are told apart."""
    products = tree()
    assert products.upsert("LAPTOP", "HW", "Laptops") is ItemChange.UNCHANGED
    assert products.upsert("LAPTOP", "HW", "Notebooks") is ItemChange.RENAMED
    assert products.upsert("LAPTOP", "SW", "Notebooks") is ItemChange.MOVED
    assert products.path("LAPTOP") == ("TOTAL", "SW", "LAPTOP")
    assert set(products.subtree("HW")) == {"HW"}


def test_an_unknown_parent_is_refused() -> None:
    """The parent must exist in the same list."""
    with pytest.raises(InvalidInput, match="parent"):
        tree().upsert("X", "NOPE", "x")


def test_a_cycle_is_refused_and_the_tree_is_unchanged() -> None:
    """Moving an item under its own descendant fails without a trace."""
    products = tree()
    with pytest.raises(InvalidInput, match="cycle"):
        products.upsert("HW", "LAPTOP", "Hardware")
    assert products.parent_of("HW") == "TOTAL"


def test_only_childless_items_are_deleted() -> None:
    """Deleting a parent fails; deleting a leaf unlinks it."""
    products = tree()
    with pytest.raises(InvalidInput, match="children"):
        products.delete("HW")
    products.delete("LAPTOP")
    products.delete("HW")
    assert list(products.subtree("TOTAL")) == ["TOTAL", "SW"]


@given(st.lists(st.tuples(st.sampled_from("ABCDEF"), st.none() | st.sampled_from("ABCDEF"))))
def test_random_upserts_keep_a_forest(moves: list[tuple[str, str | None]]) -> None:
    """Whatever is accepted, every item's ancestor chain ends at a root without repeats."""
    hub = HubList("L")
    for item, parent in moves:
        try:
            hub.upsert(item, parent, item)
        except InvalidInput:
            continue
    for item in hub.items:
        chain = [item, *hub.ancestors(item)]
        assert len(chain) == len(set(chain))
        for child in hub.children.get(item, set()):
            assert hub.parent_of(child) == item
