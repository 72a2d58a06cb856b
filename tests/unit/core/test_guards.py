"""Guards: two-clause rules found under one clause's value, then the other clause's."""

from __future__ import annotations

import pytest

from uam_events.core.guards import Guards, clause_keys, sole_value
from uam_events.core.indexes import AttributeIndex
from uam_events.core.levels import Level
from uam_events.core.rulebook import RuleBook
from uam_events.core.rules import AccessRule, Equals, Exists, ItemTemplate, OneOf, Predicate
from uam_events.core.users import UserRecord
from uam_events.core.values import AttrValue

DEPT_IN_REGION = Predicate((Equals("department", "Sales"), OneOf("region", ("EMEA", "JP"))))
SEGMENTED = Predicate((OneOf("costCenter", ("C1", "C2")), Exists("segment", True)))


@pytest.mark.parametrize(
    ("predicate", "held"),
    [
        (DEPT_IN_REGION, True),
        (SEGMENTED, True),
        (Predicate((Equals("department", "Sales"),)), False),
        (Predicate((Equals("a", "x"), Equals("a", "y"))), False),
        (Predicate((Equals("a", "x"), Exists("b", False))), False),
        (Predicate((Exists("a", True), Exists("b", True))), False),
        (Predicate((Equals("a", "x"), Equals("b", "y"), Equals("c", "z"))), False),
    ],
)
def test_guards_hold_two_clause_rules_with_a_value_clause(predicate: Predicate, held: bool) -> None:
    """Two clauses on two attributes, one a value clause, the other a value or presence test."""
    assert (clause_keys(predicate) is not None) is held
    assert Guards().add("r", predicate) is held


def test_one_value_clause_is_sole() -> None:
    """A key that came makes a one-value-clause rule hold; a presence test is not sole."""
    assert sole_value(Predicate((OneOf("region", ("EMEA",)),)))
    assert not sole_value(Predicate((Exists("region", True),)))
    assert not sole_value(DEPT_IN_REGION)


def _passing(guards: Guards, name: str, key: str, attributes: dict[str, AttrValue]) -> set[str]:
    found: set[str] = set()
    guards.passing(name, key, attributes, found)
    return found


def test_a_rule_passes_only_when_its_other_clause_holds() -> None:
    """Found under either clause's value, only for users whose other value matches."""
    guards = Guards()
    guards.add("r", DEPT_IN_REGION)
    sales_emea: dict[str, AttrValue] = {"department": "Sales", "region": "EMEA"}
    assert _passing(guards, "department", "Sales", sales_emea) == {"r"}
    assert _passing(guards, "region", "EMEA", sales_emea) == {"r"}
    assert _passing(guards, "department", "Sales", {"department": "Sales", "region": "US"}) == set()
    assert _passing(guards, "department", "Sales", {"department": "Sales"}) == set()
    both: dict[str, AttrValue] = {"department": "Sales", "region": ("US", "JP")}
    assert _passing(guards, "department", "Sales", both) == {"r"}


def test_a_presence_test_passes_on_any_value() -> None:
    """The other clause `exists: true` holds for any value, and is never indexed itself."""
    guards = Guards()
    guards.add("r", SEGMENTED)
    assert _passing(guards, "costCenter", "C2", {"costCenter": "C2", "segment": 7}) == {"r"}
    assert _passing(guards, "costCenter", "C2", {"costCenter": "C2"}) == set()
    assert set(guards.under) == {("costCenter", "C1"), ("costCenter", "C2")}


def test_removing_a_rule_leaves_no_empty_entry() -> None:
    """Withdrawn rules leave nothing behind; the others stay."""
    guards = Guards()
    guards.add("r", DEPT_IN_REGION)
    guards.add("s", SEGMENTED)
    guards.remove("r", DEPT_IN_REGION)
    assert set(guards.rules()) == {"s"}
    guards.remove("s", SEGMENTED)
    assert guards.under == {}


def test_a_user_change_evaluates_only_rules_whose_other_clause_holds() -> None:
    """A guarded rule flips on the change that completes it, and back on the one that breaks
    it, through the rule book's rematch."""
    book, index = RuleBook(), AttributeIndex()
    rule = AccessRule("r", "s", "L", DEPT_IN_REGION, ItemTemplate("EMEA"), Level.READ)
    book.publish(rule, index, {})
    user = UserRecord("u")
    steps: list[tuple[dict[str, AttrValue], bool]] = [
        ({"department": "Sales"}, False),
        ({"department": "Sales", "region": "JP"}, True),
        ({"department": "Sales", "region": ("JP", "EMEA")}, True),
        ({"department": "Fin", "region": ("JP", "EMEA")}, False),
        ({"department": "Sales", "region": "EMEA"}, True),
        ({"region": "EMEA"}, False),
    ]
    first = True
    for attributes, matched in steps:
        old = user.attributes
        user.attributes = attributes
        changed = index.update("u", old, attributes)
        _, spokes = book.rematch(user, old, None if first else changed)
        first = False
        assert book.matches.holds("r", "s", "u") is matched
        assert rule.when.matches(attributes) is matched
        assert spokes <= {"s"}
