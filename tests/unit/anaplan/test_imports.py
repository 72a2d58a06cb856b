"""The full-load files and the one users-row writer the sink shares with them."""

from __future__ import annotations

from tests.strategies import SPOKES
from uam_events.anaplan.imports import (
    ListHeaders,
    UsersLayout,
    render_csv,
    text_rows,
    users_rows,
)
from uam_events.core.access import Grant, UserAccess
from uam_events.core.levels import Level

SPOKE = SPOKES[0]


def member(role: str, **grants: Level) -> UserAccess:
    """Return a member's access with grants on list P."""
    held = {("P", item): Grant(level, ()) for item, level in grants.items()}
    return UserAccess(True, role, (), held, "text")


def test_a_row_sets_the_role_and_at_most_one_item() -> None:
    """Read, Write and None land in the list's own three columns."""
    layout = UsersLayout.of(SPOKE)
    assert layout.header()[2:5] == ["P Prod Read", "P Prod Write", "P Prod None"]
    assert layout.row("a@x", "Planner") == ["a@x", "Planner", "", "", "", "", "", ""]
    assert layout.row("a@x", "Planner", ("G", "W", Level.NONE))[5:] == ["", "", "W"]
    assert layout.row("a@x", "Planner", ("P", "A", Level.WRITE))[2:5] == ["", "A", ""]


def test_a_custom_layout_names_its_own_headers() -> None:
    """Headers come from the layout, in list order."""
    layout = UsersLayout((ListHeaders("G", "Geo R", "Geo W", "Geo N"),))
    assert layout.header() == ["Email Address", "Model Role", "Geo R", "Geo W", "Geo N"]
    assert layout.row("a@x", "Viewer", ("G", "W", Level.READ)) == ["a@x", "Viewer", "W", "", ""]


def test_full_load_rows_skip_the_integration_user_and_clear_no_access() -> None:
    """No row for the integration user; a no-access user gets the role row alone, no text."""
    members = [
        ("a@x", member("Planner", A=Level.READ)),
        ("INT@x", member("Planner", A=Level.READ)),
        ("b@x", member("No Access", A=Level.WRITE)),
    ]
    rows = users_rows(SPOKE, members, "int@x")
    assert rows == [
        ["a@x", "Planner", "A", "", "", "", "", ""],
        ["b@x", "No Access", "", "", "", "", "", ""],
    ]
    assert text_rows(members, "int@x", "No Access") == [["a@x", "text"]]


def test_csv_is_rfc_4180_with_minimal_quoting() -> None:
    """Commas, quotes and line breaks are quoted; lines end with a bare newline."""
    text = render_csv(["a", "b"], [["x,y", 'say "hi"'], ["line\nbreak", "plain"]])
    assert text == 'a,b\n"x,y","say ""hi"""\n"line\nbreak",plain\n'
