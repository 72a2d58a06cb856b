"""The planner: the rows that bring a spoke from its acknowledged to its desired state."""

from __future__ import annotations

from collections.abc import Callable

from tests.unit.sink.conftest import INTEGRATION, spoke_settings, state
from uam_events.core.levels import Level
from uam_events.sink.planner import Push, plan
from uam_events.sink.state import Parked, RowKey, Tracked, UserState

R, W = Level.READ, Level.WRITE
Factory = Callable[..., Tracked]


def run(*users: tuple[str, Tracked]) -> Push:
    """Plan spoke s1 for the given users."""
    return plan(spoke_settings(), users, INTEGRATION)


def lines(push: Push) -> list[str]:
    """Return the users file's data lines."""
    return push.users_file().text().splitlines()[1:]


def test_a_new_member_gets_one_row_per_grant_each_naming_the_role(tracked: Factory) -> None:
    """A first push carries the role in every selective-access row, one item per row."""
    push = run(("u1", tracked(state("u1", A=R, B=W))))
    assert lines(push) == [
        "u1@example.com,Planner,,B,,,,",
        "u1@example.com,Planner,A,,,,,",
    ]
    assert not push.roles
    assert push.lowered == frozenset()


def test_a_member_without_grants_gets_a_role_row(tracked: Factory) -> None:
    """The role alone is pushed when no selective-access row carries it."""
    push = run(("u1", tracked(state("u1"))))
    assert lines(push) == ["u1@example.com,Planner,,,,,,"]
    assert [row.key for row in push.roles] == [RowKey("role")]


def test_a_removed_grant_is_pushed_as_none(tracked: Factory) -> None:
    """Imports are additive: losing an item needs an explicit None row."""
    push = run(("u1", tracked(state("u1"), state("u1", A=R))))
    assert lines(push) == ["u1@example.com,Planner,,,A,,,"]
    assert push.lowered == {"u1"}


def test_a_downgrade_pushes_none_before_read(tracked: Factory) -> None:
    """Write to Read is None then Read: a Read row alone would leave Write in place."""
    push = run(("u1", tracked(state("u1", A=R), state("u1", A=W))))
    assert lines(push) == ["u1@example.com,Planner,,,A,,,", "u1@example.com,Planner,A,,,,,"]
    assert push.lowered == {"u1"}


def test_an_upgrade_is_one_write_row(tracked: Factory) -> None:
    """Read to Write needs no None row and lowers nobody."""
    push = run(("u1", tracked(state("u1", A=W), state("u1", A=R))))
    assert lines(push) == ["u1@example.com,Planner,,A,,,,"]
    assert not push.revocations
    assert not push.lowered


def test_none_rows_come_first_across_users(tracked: Factory) -> None:
    """Every None row precedes every Read/Write and role row of the file."""
    push = run(
        ("u1", tracked(state("u1", A=R))),
        ("u2", tracked(state("u2"), state("u2", B=W))),
    )
    assert lines(push) == ["u2@example.com,Planner,,,B,,,", "u1@example.com,Planner,A,,,,,"]


def test_the_no_access_role_clears_without_none_rows(tracked: Factory) -> None:
    """A user moved to No Access gets one role row; it lowers their access."""
    push = run(("u1", tracked(state("u1", "No Access", B=W), state("u1", A=W))))
    assert lines(push) == ["u1@example.com,No Access,,,,,,"]
    assert push.lowered == {"u1"}


def test_a_role_change_rides_on_the_users_rows(tracked: Factory) -> None:
    """When selective-access rows go anyway, they carry the new role and no role row is added."""
    push = run(("u1", tracked(state("u1", "Admin", A=R, B=R), state("u1", "Planner", A=R))))
    assert lines(push) == ["u1@example.com,Admin,B,,,,,"]
    assert not push.roles


def test_nothing_is_pushed_when_desired_equals_acknowledged(tracked: Factory) -> None:
    """An acknowledged user with no change gives an empty push."""
    same = state("u1", A=R, text="P Prod: read A")
    assert run(("u1", tracked(same, same))).empty


def test_no_row_for_a_non_member_an_unknown_email_or_the_integration_user(
    tracked: Factory,
) -> None:
    """Non-members, users without email and the integration user are never pushed."""
    outsider = UserState("u1@example.com", False, None, {("P", "A"): R}, None, 3)
    no_email = UserState(None, True, "Planner", {("P", "A"): R}, "t", 3)
    integration = UserState(INTEGRATION.upper(), True, "Planner", {("P", "A"): R}, "t", 3)
    push = run(("u1", tracked(outsider)), ("u2", tracked(no_email)), ("u3", tracked(integration)))
    assert push.empty


def test_text_rows_carry_email_and_access_text(tracked: Factory) -> None:
    """A changed access text is one row of the access-text import."""
    push = run(("u1", tracked(state("u1", text="P Prod: read A"), state("u1", text="old"))))
    assert push.text_file().text() == "Email Address,Access Text\nu1@example.com,P Prod: read A\n"
    assert lines(push) == []


def test_quarantined_rows_are_skipped_while_they_want_the_same_value(tracked: Factory) -> None:
    """A quarantined key is not pushed again until its desired value changes."""
    parked = {RowKey("access", "P", "A"): Parked("read", 5, "item not found", True)}
    base = Tracked(state("u1", A=R, B=R), UserState(), parked)
    assert lines(run(("u1", base))) == ["u1@example.com,Planner,B,,,,,"]
    moved = Tracked(state("u1", A=W, B=R), UserState(), parked)
    assert len(lines(run(("u1", moved)))) == 2


def test_list_columns_come_from_the_spoke_settings(tracked: Factory) -> None:
    """Configured import headers replace the default `<name> Read` ones."""
    columns = {"read": "Prod R", "write": "Prod W", "none": "Prod N"}
    spoke = spoke_settings(
        lists=[{"hub": "P", "name": "P Prod", "columns": columns}, {"hub": "G", "name": "G Geo"}]
    )
    push = plan(spoke, [("u1", tracked(state("u1", A=R)))], INTEGRATION)
    assert push.users_header == (
        "Email Address", "Model Role", "Prod R", "Prod W", "Prod N",
        "G Geo Read", "G Geo Write", "G Geo None",
    )  # fmt: skip


def test_population_counts_acknowledged_members_but_not_the_integration_user(
    tracked: Factory,
) -> None:
    """The guard's `users` is what the spoke holds before the push."""
    held = state("u1")
    integration = UserState(INTEGRATION, True, "Planner", {}, None, 1)
    push = run(
        ("u1", tracked(held, held)),
        ("u2", tracked(state("u2"))),
        ("u3", tracked(integration, integration)),
    )
    assert push.population == 1


def test_the_push_id_is_a_digest_of_the_files(tracked: Factory) -> None:
    """Equal pushes share an id; a different row gives a different id."""
    one = run(("u1", tracked(state("u1", A=R))))
    assert one.push_id() == run(("u1", tracked(state("u1", A=R)))).push_id()
    assert one.push_id() != run(("u1", tracked(state("u1", A=W)))).push_id()
