"""Predicates and item templates (DESIGN section 4 and the decisions of section 9)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uam_events.core.guards import Guards
from uam_events.core.rules import Equals, Exists, ItemTemplate, OneOf, Predicate
from uam_events.core.values import AttrValue, attr_scalars, scalar_key


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


_GUARD_VALUES = st.sampled_from(("x", "y", 1, True, 1.0))
_GUARD_NAMES = st.sampled_from(("a", "b", "c"))
_guard_clauses = st.one_of(
    st.builds(Equals, _GUARD_NAMES, _GUARD_VALUES),
    st.builds(OneOf, _GUARD_NAMES, st.lists(_GUARD_VALUES, min_size=1, max_size=2).map(tuple)),
    st.builds(Exists, _GUARD_NAMES, st.booleans()),
)
_guard_attributes = st.dictionaries(
    _GUARD_NAMES,
    st.one_of(_GUARD_VALUES, st.lists(_GUARD_VALUES, min_size=1, max_size=3).map(tuple)),
)


@given(
    st.lists(st.lists(_guard_clauses, min_size=1, max_size=3), max_size=6),
    _guard_attributes,
)
def test_guards_find_exactly_the_matching_rules_testing_a_value(
    clause_lists: list[list[Equals | OneOf | Exists]], attributes: dict[str, AttrValue]
) -> None:
    """For each value a user holds, the guards give exactly the rules they hold that test it
    and that a brute-force match finds."""
    guards = Guards()
    predicates = {f"r{i}": Predicate(tuple(clauses)) for i, clauses in enumerate(clause_lists)}
    held = {rule_id for rule_id, p in predicates.items() if guards.add(rule_id, p)}
    for name, value in attributes.items():
        for scalar in attr_scalars(value):
            key = scalar_key(scalar)
            found: set[str] = set()
            guards.passing(name, key, attributes, found)
            expected = {
                rule_id
                for rule_id in held
                if predicates[rule_id].matches(attributes)
                and any(
                    isinstance(c, Equals | OneOf)
                    and c.attribute == name
                    and key in ({c.key} if isinstance(c, Equals) else c.keys)
                    for c in predicates[rule_id].clauses
                )
            }
            assert found == expected
    for rule_id in held:
        guards.remove(rule_id, predicates[rule_id])
    assert guards.under == {}


@given(st.lists(_guard_clauses, max_size=3), _guard_attributes)
def test_a_flat_match_is_every_clause_holding(
    clauses: list[Equals | OneOf | Exists], attributes: dict[str, AttrValue]
) -> None:
    """The flat clause tests of `matches` agree with each clause's own `holds`."""
    expected = all(c.holds(attributes.get(c.attribute)) for c in clauses)
    assert Predicate(tuple(clauses)).matches(attributes) is expected
