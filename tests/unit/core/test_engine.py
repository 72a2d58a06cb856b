"""The engine, scenario by scenario: moves, deletes, templates, lifecycle, rule edits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.unit.core.conftest import Harness, kinds
from uam_events.core.events import (
    HubItemDeleted,
    HubItemUpserted,
    IdentityAttributesChanged,
    RulePublished,
    RuleWithdrawn,
    SetAccess,
    UserDeactivated,
    UserDeleted,
    UserPatched,
)
from uam_events.core.levels import Level
from uam_events.core.rules import AccessRule, Equals, ItemTemplate, OneOf, Predicate
from uam_events.errors import InvalidInput


def test_moving_an_item_out_from_under_a_higher_grant_makes_it_a_grant(
    harness: Callable[[], Harness],
) -> None:
    """A Read item covered by a Write ancestor becomes its own grant once moved to the root."""
    h = harness()
    h.user("u1")
    h.grant("r-a", "A", Level.WRITE)
    h.grant("r-b", "B", Level.READ)
    assert h.grants("u1") == {"P/A": "write"}
    outcome = h.move("B", None)
    assert h.grants("u1") == {"P/A": "write", "P/B": "read"}
    assert kinds(outcome.deltas) == ["grant", "text"]


def test_moving_an_item_under_a_higher_grant_revokes_it_explicitly(
    harness: Callable[[], Harness],
) -> None:
    """A grant swallowed by a new Write ancestor is emitted as a change to none."""
    h = harness()
    h.user("u1")
    h.grant("r-c", "C", Level.WRITE)
    h.grant("r-d", "D", Level.READ)
    outcome = h.move("D", "C")
    grant = next(d for d in outcome.deltas if d.kind == "grant")
    assert (grant.body["item"], grant.body["from"], grant.body["to"]) == ("D", "read", "none")
    assert h.grants("u1") == {"P/C": "write"}


def test_a_move_that_would_close_a_cycle_is_refused_and_changes_nothing(
    harness: Callable[[], Harness],
) -> None:
    """Moving A under its own descendant D raises InvalidInput and leaves the tree intact."""
    h = harness()
    with pytest.raises(InvalidInput, match="cycle"):
        h.move("A", "D")
    assert h.engine.state.hierarchies.lists["P"].parent_of("A") is None


def test_deleting_an_item_removes_the_explicit_grants_on_it(harness: Callable[[], Harness]) -> None:
    """An explicit grant on a deleted leaf is revoked and forgotten."""
    h = harness()
    h.user("boss")
    h.user("u1")
    from uam_events.core.events import RulePublished
    from uam_events.core.rules import QualifiedUser, ScopeItem

    h.apply(RulePublished(QualifiedUser("q", "boss", ("s1",), (ScopeItem("P", "A"),))))
    decision = h.apply(SetAccess("c1", "boss", "u1", "s1", "P", "E", Level.WRITE)).decisions[0]
    assert decision.accepted
    assert h.grants("u1") == {"P/E": "write"}
    outcome = h.apply(HubItemDeleted("P", "E"))
    assert next((d.kind, d.body.get("to")) for d in outcome.deltas) == ("grant", "none")
    assert h.engine.state.explicit.of("u1") == {}


def test_deleting_an_item_with_children_is_refused(harness: Callable[[], Harness]) -> None:
    """Only childless items can be deleted."""
    h = harness()
    with pytest.raises(InvalidInput, match="children"):
        h.apply(HubItemDeleted("P", "B"))


def test_a_template_grants_the_item_its_attribute_names_once_it_exists(
    harness: Callable[[], Harness],
) -> None:
    """`{region}` naming an item that does not exist yet grants it when the item is created."""
    h = harness()
    h.user("u1")
    h.apply(IdentityAttributesChanged("u1", {"region": ["X", "NEW"]}))
    h.grant("r-region", "{region}", Level.READ, hub="G")
    assert h.grants("u1") == {"G/X": "read"}
    h.apply(HubItemUpserted("G", "NEW", "W", "new"))
    assert h.grants("u1") == {"G/NEW": "read", "G/X": "read"}


def test_deactivation_revokes_every_grant_and_pushes_no_access(
    harness: Callable[[], Harness],
) -> None:
    """A deactivated member keeps membership, gets the no-access role and loses grants."""
    h = harness()
    h.user("u1")
    h.grant("r-a", "A", Level.READ)
    outcome = h.apply(UserDeactivated("u1"))
    assert [(d.kind, d.body.get("to")) for d in outcome.deltas][:2] == [
        ("role", "No Access"),
        ("grant", "none"),
    ]
    assert h.engine.state.access_of("s1", "u1").member


def test_a_tombstone_keeps_membership_and_clears_attributes(harness: Callable[[], Harness]) -> None:
    """SCIM delete leaves an inactive user with workspaces and no attributes."""
    h = harness()
    h.user("u1", department="Sales")
    h.apply(UserDeleted("u1"))
    record = h.engine.state.users["u1"].record()
    assert (record["deleted"], record["active"], record["attributes"]) == (True, False, {})
    assert record["workspaces"] == ["ws1"]
    assert h.engine.state.access_of("s1", "u1").role == "No Access"


def test_patching_an_unknown_user_is_refused(harness: Callable[[], Harness]) -> None:
    """PATCH needs a live user."""
    h = harness()
    with pytest.raises(InvalidInput, match="unknown user"):
        h.apply(UserPatched("ghost", ()))


def test_withdrawing_a_rule_revokes_what_it_granted(harness: Callable[[], Harness]) -> None:
    """A deleted rule's grants go to none; an unknown id is a no-op."""
    h = harness()
    h.user("u1", department="Sales")
    h.grant("r-a", "A", Level.READ, department="Sales")
    assert h.grants("u1") == {"P/A": "read"}
    h.apply(RuleWithdrawn("r-a"))
    assert h.grants("u1") == {}
    assert h.apply(RuleWithdrawn("never")).deltas == []


def test_an_attribute_change_only_reevaluates_rules_reading_it(
    harness: Callable[[], Harness],
) -> None:
    """Changing department moves the user from one rule's grant to another's."""
    h = harness()
    h.user("u1", department="Sales")
    h.grant("r-sales", "B", Level.READ, department="Sales")
    h.grant("r-fin", "C", Level.WRITE, department="Fin")
    h.apply(IdentityAttributesChanged("u1", {"department": "Fin"}))
    assert h.grants("u1") == {"P/C": "write"}
    h.apply(IdentityAttributesChanged("u1", {"department": None}))
    assert h.grants("u1") == {"P/B": "read"}


def test_non_members_get_nothing_until_their_workspace_arrives(
    harness: Callable[[], Harness],
) -> None:
    """A user outside the spoke's workspace has no role and no grants there."""
    h = harness()
    h.user("u1", workspaces=("ws2",))
    h.grant("r-a", "A", Level.READ)
    assert h.engine.state.access_of("s1", "u1").member is False
    assert h.grants("u1") == {}
    assert h.engine.state.access_of("s2", "u1").role == "Viewer"


def test_republishing_a_rule_with_a_strictly_different_predicate_rematches(
    harness: Callable[[], Harness],
) -> None:
    """`1` and `true` differ in a predicate (Python's 1 == True must not keep old matches)."""
    h = harness()
    h.user("u1")
    h.apply(IdentityAttributesChanged("u1", {"grade": 1}))
    h.grant("r-a", "A", Level.READ, grade=1)
    assert h.grants("u1") == {"P/A": "read"}
    h.grant("r-a", "A", Level.READ, grade=True)
    assert h.grants("u1") == {}
    h.grant("r-a", "A", Level.WRITE, grade=1.0)
    assert h.grants("u1") == {"P/A": "write"}


def test_a_level_edit_keeps_the_matches_and_changes_every_matched_grant(
    harness: Callable[[], Harness],
) -> None:
    """A rule edited without touching its predicate re-grants its users at the new level."""
    h = harness()
    h.user("u1", department="Sales")
    h.user("u2", department="Sales")
    h.user("u3", department="Fin")
    h.grant("r-a", "A", Level.READ, department="Sales")
    outcome = h.grant("r-a", "A", Level.WRITE, department="Sales")
    assert {d.user_id for d in outcome.deltas} == {"u1", "u2"}
    assert h.grants("u1") == h.grants("u2") == {"P/A": "write"}
    assert h.grants("u3") == {}
    assert h.grant("r-a", "A", Level.WRITE, department="Sales").deltas == []


@pytest.mark.parametrize(("before", "after"), [(1, True), (True, 1), ((1, "x"), (True, "x"))])
def test_a_value_changing_json_type_rematches_rules(
    harness: Callable[[], Harness], before: object, after: object
) -> None:
    """A flag going from 1 to true (equal in Python, not in JSON) re-evaluates rules on it."""
    h = harness()
    h.user("u1")
    raw = list(before) if isinstance(before, tuple) else before
    h.apply(IdentityAttributesChanged("u1", {"flag": raw}))  # type: ignore[dict-item]
    wanted = after[0] if isinstance(after, tuple) else after
    h.grant("r-b", "B", Level.READ, flag=wanted)
    assert h.grants("u1") == {}
    raw = list(after) if isinstance(after, tuple) else after
    h.apply(IdentityAttributesChanged("u1", {"flag": raw}))  # type: ignore[dict-item]
    assert h.grants("u1") == {"P/B": "read"}


def test_an_item_created_after_a_rule_was_edited_to_name_it_is_granted(
    harness: Callable[[], Harness],
) -> None:
    """A literal rule moved from C to a not-yet-created item grants that item once it appears."""
    h = harness()
    h.user("u1")
    h.grant("r-c", "C", Level.READ)
    h.grant("r-c", "N", Level.READ)
    assert h.grants("u1") == {}
    h.apply(HubItemUpserted("P", "N", "A", "n"))
    assert h.grants("u1") == {"P/N": "read"}
    h.apply(HubItemUpserted("P", "C2", "A", "c2"))
    assert h.grants("u1") == {"P/N": "read"}


def test_a_rule_testing_one_name_twice_flips_when_both_clauses_change(
    harness: Callable[[], Harness],
) -> None:
    """A value trading a listed element for another still re-evaluates a rule testing it twice."""
    h = harness()
    h.user("u1")
    h.apply(IdentityAttributesChanged("u1", {"region": ["Y", "Q"]}))
    when = Predicate((OneOf("region", ("Y", "Q")), Equals("region", "X")))
    h.apply(RulePublished(AccessRule("r-x", "s1", "P", when, ItemTemplate.parse("B"), Level.READ)))
    assert h.grants("u1") == {}
    h.apply(IdentityAttributesChanged("u1", {"region": ["X", "Q"]}))
    assert h.grants("u1") == {"P/B": "read"}


def test_a_move_recovers_only_owners_of_two_items(harness: Callable[[], Harness]) -> None:
    """Moved under C, D is covered for a user owning both; a sole owner of D keeps it."""
    h = harness()
    h.user("u1", department="Sales")
    h.user("u2", department="Fin")
    h.grant("r-c", "C", Level.WRITE, department="Sales")
    h.grant("r-d", "D", Level.READ)
    outcome = h.move("D", "C")
    assert {d.user_id for d in outcome.deltas} == {"u1"}
    assert h.grants("u1") == {"P/C": "write"}
    assert h.grants("u2") == {"P/D": "read"}


def test_a_withdrawn_or_narrowed_scope_stops_covering_later_commands(
    harness: Callable[[], Harness],
) -> None:
    """Scopes are read afresh after each scope change: narrowed, then withdrawn."""
    from uam_events.core.rules import QualifiedUser, ScopeItem

    h = harness()
    h.user("boss")
    h.user("u1")
    h.apply(RulePublished(QualifiedUser("q", "boss", ("s1",), (ScopeItem("P", "A"),))))
    assert h.apply(SetAccess("c1", "boss", "u1", "s1", "P", "E", Level.READ)).decisions[0].accepted
    h.apply(RulePublished(QualifiedUser("q", "boss", ("s1",), (ScopeItem("P", "C"),))))
    refused = h.apply(SetAccess("c2", "boss", "u1", "s1", "P", "E", Level.WRITE)).decisions[0]
    assert refused.reason == "item outside the actor's scope"
    h.apply(RuleWithdrawn("q"))
    refused = h.apply(SetAccess("c3", "boss", "u1", "s1", "P", "C", Level.WRITE)).decisions[0]
    assert refused.reason == "actor is not a qualified user"
