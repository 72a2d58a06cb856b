"""Qualified users' commands: boundaries, reasons, and copy semantics (DESIGN 3.5 and 9)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.unit.core.conftest import Harness
from uam_events.core.events import CopyAccess, RulePublished, SetAccess, UserDeactivated
from uam_events.core.levels import Level
from uam_events.core.rules import Equals, Predicate, QualifiedUser, ScopeItem


def scoped(harness: Callable[[], Harness]) -> Harness:
    """Return a harness where boss may set P/B's subtree in s1 for Sales targets."""
    h = harness()
    h.user("boss", department="Fin")
    h.user("ann", department="Sales")
    h.user("bob", department="Sales")
    h.user("fin", department="Fin")
    scope = QualifiedUser(
        "q-boss",
        "boss",
        ("s1",),
        (ScopeItem("P", "B"),),
        Predicate((Equals("department", "Sales"),)),
    )
    h.apply(RulePublished(scope))
    return h


def set_access(actor: str, user: str, item: str, level: Level = Level.WRITE) -> SetAccess:
    """Return a set_access in s1 on list P."""
    return SetAccess("c", actor, user, "s1", "P", item, level)


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (set_access("boss", "boss", "D"), "actor may not change their own access"),
        (set_access("nobody", "ann", "D"), "unknown actor"),
        (set_access("boss", "ghost", "D"), "unknown target user"),
        (SetAccess("c", "boss", "ann", "s9", "P", "D", Level.READ), "unknown spoke"),
        (SetAccess("c", "boss", "ann", "s2", "P", "D", Level.READ), "list not used by the spoke"),
        (set_access("boss", "ann", "ZZ"), "unknown item"),
        (set_access("boss", "ann", "C"), "item outside the actor's scope"),
        (set_access("boss", "fin", "D"), "target user outside the actor's scope"),
        (set_access("ann", "bob", "D"), "actor is not a qualified user"),
    ],
)
def test_rejections_name_their_reason_and_change_nothing(
    harness: Callable[[], Harness], command: SetAccess, reason: str
) -> None:
    """Each boundary gives its own reason on the audit topic, and no delta."""
    h = scoped(harness)
    outcome = h.apply(command)
    assert [d.to_json()["reason"] for d in outcome.decisions] == [reason]
    assert outcome.deltas == []


def test_an_inactive_actor_is_refused(harness: Callable[[], Harness]) -> None:
    """A deactivated qualified user can no longer set access."""
    h = scoped(harness)
    h.apply(UserDeactivated("boss"))
    assert h.apply(set_access("boss", "ann", "D")).decisions[0].reason == "actor is inactive"


def test_set_then_none_grants_and_revokes(harness: Callable[[], Harness]) -> None:
    """Level none removes the explicit grant."""
    h = scoped(harness)
    h.apply(set_access("boss", "ann", "D"))
    assert h.grants("ann") == {"P/D": "write"}
    h.apply(set_access("boss", "ann", "D", Level.NONE))
    assert h.grants("ann") == {}


def test_a_grant_on_an_inactive_target_waits(harness: Callable[[], Harness]) -> None:
    """Accepted for an inactive target, it takes effect on reactivation."""
    h = scoped(harness)
    h.apply(UserDeactivated("ann"))
    assert h.apply(set_access("boss", "ann", "D")).decisions[0].accepted
    assert h.grants("ann") == {}
    from uam_events.core.events import UserActivated

    h.apply(UserActivated("ann"))
    assert h.grants("ann") == {"P/D": "write"}


def test_copy_skips_what_lies_outside_the_scope(harness: Callable[[], Harness]) -> None:
    """Grants outside the actor's subtrees are listed as skipped; the rest become explicit."""
    h = scoped(harness)
    h.grant("r-a", "A", Level.READ, department="Sales")
    h.apply(set_access("boss", "ann", "E"))
    outcome = h.apply(CopyAccess("c2", "boss", "ann", "bob", "s1", None, "merge"))
    decision = outcome.decisions[0].to_json()
    assert decision["decision"] == "accepted"
    assert decision["skipped"] == [
        {"list": "P", "item": "A", "level": "read", "reason": "outside the actor's scope"}
    ]
    assert h.grants("bob") == {"P/A": "read", "P/E": "write"}
    explicit = h.engine.state.explicit.of("bob")[("s1", "P", "E")]
    assert (explicit.actor, explicit.command_id) == ("boss", "c2")


def test_copy_replace_removes_only_scoped_explicit_grants(harness: Callable[[], Harness]) -> None:
    """`replace` clears the target's explicit grants inside the scope, then copies."""
    h = scoped(harness)
    h.apply(set_access("boss", "bob", "D", Level.READ))
    h.apply(CopyAccess("c3", "boss", "ann", "bob", "s1", ("P",), "replace"))
    assert h.grants("bob") == {}


def test_copy_onto_oneself_or_from_an_unknown_source_is_refused(
    harness: Callable[[], Harness],
) -> None:
    """Source = target and an unknown source are rejections."""
    h = scoped(harness)
    same = h.apply(CopyAccess("c4", "boss", "ann", "ann", "s1", None, "merge"))
    ghost = h.apply(CopyAccess("c5", "boss", "ghost", "ann", "s1", None, "merge"))
    assert same.decisions[0].reason == "source and target are the same user"
    assert ghost.decisions[0].reason == "unknown source user"
