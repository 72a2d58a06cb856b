"""Predicates and item templates (DESIGN section 4 and the decisions of section 9)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uam_events.core.rules import Equals, Exists, ItemTemplate, OneOf, Predicate


@pytest.mark.parametrize(
    ("clause", "value", "expected"),
    [
        (Equals("flag", True), True, True),
        (Equals("flag", True), 1, False),
        (Equals("flag", 1), "1", False),
        (Equals("flag", 1), 1.0, True),
        (Equals("dept", "Sales"), "sales", False),
        (Equals("region", "EMEA"), ("APAC", "EMEA"), True),
        (OneOf("region", ("EMEA", "JP")), ("APAC", "JP"), True),
        (OneOf("region", ("EMEA",)), "APAC", False),
        (Exists("region", True), None, False),
        (Exists("region", False), None, True),
        (Exists("region", True), "EMEA", True),
    ],
)
def test_clauses_use_strict_json_equality(clause: object, value: object, expected: bool) -> None:
    """`true`, `1` and `"1"` differ; a list attribute contains or shares."""
    assert clause.holds(value) is expected  # type: ignore[attr-defined]


def test_an_empty_predicate_matches_everyone() -> None:
    """`{}` matches every user, even one without attributes."""
    assert Predicate().matches({})


def test_clauses_are_anded() -> None:
    """Every clause must hold."""
    predicate = Predicate((Equals("dept", "Sales"), Exists("region", True)))
    assert predicate.matches({"dept": "Sales", "region": "X"})
    assert not predicate.matches({"dept": "Sales"})


@pytest.mark.parametrize(
    ("text", "attributes", "items"),
    [
        ("EMEA", {}, ("EMEA",)),
        ("{region}", {"region": "EMEA"}, ("EMEA",)),
        ("{region}", {"region": ("EMEA", "APAC")}, ("EMEA", "APAC")),
        ("R-{code}-X", {"code": 7}, ("R-7-X",)),
        ("{region}", {"region": True}, ()),
        ("{region}", {}, ()),
    ],
)
def test_templates_fill_from_strings_and_numbers(
    text: str, attributes: dict[str, object], items: tuple[str, ...]
) -> None:
    """A string or number fills a template, each element of a list; anything else nothing."""
    assert ItemTemplate.parse(text).items_for(attributes) == items  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["{a}{b}", "{}", "x}", "{a"])
def test_a_template_holds_at_most_one_named_attribute(text: str) -> None:
    """Two placeholders, an empty name or unbalanced braces are refused."""
    with pytest.raises(ValueError, match="template"):
        ItemTemplate.parse(text)


@given(
    st.text(alphabet="AB-", max_size=3),
    st.text(alphabet="xyz7", min_size=1, max_size=4),
    st.text(alphabet="-C", max_size=2),
)
def test_fillers_invert_filling(prefix: str, middle: str, suffix: str) -> None:
    """The fillers found for an item fill the template back to that item."""
    template = ItemTemplate.parse(f"{prefix}{{attr}}{suffix}")
    item = f"{prefix}{middle}{suffix}"
    for filler in template.fillers_for(item):
        assert template.items_for({"attr": filler}) == (item,)
