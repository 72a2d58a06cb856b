"""Value filters (RFC 7644 3.4.2.2): which values of a multi-valued attribute they select."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uam_events.core.scim_filter import (
    Comparison,
    Filter,
    Logical,
    Negation,
    equalities,
    matches,
)

WORK_EMAIL = {"value": "Maja@Contoso.example", "type": "work", "primary": True}


@pytest.mark.parametrize(
    ("value_filter", "expected"),
    [
        (Comparison("type", "eq", "WORK"), True),
        (Comparison("type", "ne", "work"), False),
        (Comparison("value", "co", "contoso"), True),
        (Comparison("value", "sw", "maja@"), True),
        (Comparison("value", "ew", ".example"), True),
        (Comparison("value", "ew", ".org"), False),
        (Comparison("primary", "eq", True), True),
        (Comparison("primary", "eq", "true"), True),
        (Comparison("display", "pr"), False),
        (Comparison("value", "pr"), True),
        (Comparison("display", "eq", None), True),
        (Comparison("value", "gt", "m"), True),
        (Comparison("value", "lt", "m"), False),
    ],
)
def test_comparisons_on_one_email(value_filter: Filter, expected: bool) -> None:
    """Strings compare without case; booleans, presence and ordering behave as the RFC says."""
    assert matches(value_filter, WORK_EMAIL) is expected


def test_numbers_order_numerically() -> None:
    """`ge` and `le` compare numbers as numbers, not text."""
    assert matches(Comparison("weight", "ge", 9), {"weight": 10})
    assert not matches(Comparison("weight", "le", 9), {"weight": 10})


def test_type_mismatch_never_matches() -> None:
    """A number never equals a string, and `co` on a number is false."""
    assert not matches(Comparison("value", "eq", "1"), {"value": 1})
    assert not matches(Comparison("value", "co", "1"), {"value": 1})


def test_logical_operators_and_negation() -> None:
    """`and`, `or` and `not` combine comparisons."""
    work = Comparison("type", "eq", "work")
    home = Comparison("type", "eq", "home")
    assert matches(Logical("or", home, work), WORK_EMAIL)
    assert not matches(Logical("and", home, work), WORK_EMAIL)
    assert matches(Negation(home), WORK_EMAIL)


def test_value_of_a_simple_element_is_the_element() -> None:
    """`[value eq "x"]` selects strings of a multi-valued attribute of strings."""
    assert matches(Comparison("value", "eq", "x"), "X")


def test_names_match_without_case() -> None:
    """`Type` finds the member `type`."""
    assert matches(Comparison("Type", "eq", "work"), WORK_EMAIL)


def test_list_values_match_when_any_element_does() -> None:
    """A comparison against a list holds when it holds for one element."""
    assert matches(Comparison("tags", "eq", "b"), {"tags": ["a", "b"]})
    assert not matches(Comparison("tags", "ne", "b"), {"tags": ["a", "b"]})


def test_equalities_of_eq_terms() -> None:
    """An `eq` or an `and` of `eq`s pins values; anything else pins nothing."""
    work = Comparison("type", "eq", "work")
    primary = Comparison("primary", "eq", True)
    assert equalities(Logical("and", work, primary)) == {"type": "work", "primary": True}
    assert equalities(Logical("or", work, primary)) is None
    assert equalities(Comparison("value", "co", "x")) is None
    assert equalities(Logical("and", work, Comparison("type", "eq", "home"))) is None


ELEMENTS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)
COMPARISONS = st.builds(
    Comparison,
    st.sampled_from(["value", "type", "a.b", "Primary"]),
    st.sampled_from(["eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le"]),
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
)
FILTERS = st.recursive(
    COMPARISONS,
    lambda inner: (
        st.builds(Logical, st.sampled_from(["and", "or"]), inner, inner)
        | st.builds(Negation, inner)
    ),
    max_leaves=6,
)


@given(FILTERS, ELEMENTS)
def test_evaluation_is_total(value_filter: Filter, element: Any) -> None:
    """Any filter against any JSON value answers True or False and never raises."""
    assert matches(value_filter, element) in (True, False)
