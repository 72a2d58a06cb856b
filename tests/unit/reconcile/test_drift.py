"""The pure comparison of `uam reconcile`: reading an export, drift, and the corrections."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given, settings

from tests.strategies import DRIFT_LISTS, spoke_drifts
from uam_events.core.levels import Level
from uam_events.errors import ReconcileError
from uam_events.reconcile.drift import compare, read_export
from uam_events.reconcile.report import report_lines
from uam_events.settings import SpokeSettings
from uam_events.sink.planner import users_layout
from uam_events.sink.state import UserState

NO_ACCESS = "No Access"
ADMIN = "integration@example.com"
Held = dict[str, tuple[str | None, dict[tuple[str, str], Level]]]


def _spoke(**fields: Any) -> SpokeSettings:
    """Return a spoke with the drift universe's lists (`Products` is `P3 Product` there)."""
    data: dict[str, Any] = {
        "id": "s",
        "workspace_id": "w",
        "model_id": "m",
        "default_role": "Viewer",
        "no_access_role": NO_ACCESS,
        "users_import_id": "112000000001",
        "access_text_import_id": "112000000002",
        "schedule": {"every": "10m"},
        "lists": [{"hub": "Products", "name": "P3 Product"}, {"hub": "Geography", "name": "G2"}],
    }
    data.update(fields)
    return SpokeSettings.model_validate(data)


def _export(spoke: SpokeSettings, held: Held) -> bytes:
    """Return a Users export of what is held: users with No Access are not in the Users list."""
    names = {entry.hub: entry.name for entry in spoke.lists}
    header = ["Email Address", "First Name", "Last Name", "Model Role"]
    header += [f"{names[hub]} {level}" for hub in DRIFT_LISTS for level in ("Read", "Write")]
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    for email, (role, grants) in sorted(held.items()):
        if role is None or role == NO_ACCESS:
            continue
        base = {"Email Address": email, "Model Role": role}
        writer.writerow(base)
        for (hub, item), level in grants.items():
            writer.writerow({**base, f"{names[hub]} {level.column}": item})
    return out.getvalue().encode()


def _apply(spoke: SpokeSettings, held: Held, text: str) -> Held:
    """Apply a users import to what is held, with Anaplan's rules (additive, None, No Access)."""
    layout = users_layout(spoke)
    meaning = {}
    for entry in layout.lists:
        meaning |= {entry.read: (entry.hub, Level.READ), entry.write: (entry.hub, Level.WRITE)}
        meaning[entry.none] = (entry.hub, Level.NONE)
    after = {email: (role, dict(grants)) for email, (role, grants) in held.items()}
    for row in csv.DictReader(io.StringIO(text)):
        email = row["Email Address"]
        role, grants = after.get(email, (None, {}))
        role = row["Model Role"] or role
        if role == NO_ACCESS:
            grants = {}
        for column, (hub, level) in meaning.items():
            item = row[column]
            if item and level == Level.NONE:
                grants.pop((hub, item), None)
            elif item:
                grants[(hub, item)] = max(level, grants.get((hub, item), Level.NONE))
        after[email] = (role, grants)
    return after


def _desired(drawn: dict[str, tuple[bool, str, dict[tuple[str, str], Level]]]) -> dict[str, Any]:
    """Return the resolved state by user id (the email's local part)."""
    return {
        email.split("@")[0]: UserState(email, member, role, grants)
        for email, (member, role, grants) in drawn.items()
    }


@settings(max_examples=150, deadline=None)
@given(spoke_drifts())
def test_reconciling_a_random_drift_then_exporting_again_leaves_no_drift(drawn: Any) -> None:
    """Whatever the spoke holds, pushing the correction makes the next comparison empty.

    Users outside the Users list (never imported, or No Access) hold no selective access.
    """
    spoke = _spoke()
    desired = _desired(drawn[0])
    held = {e: (r, g if r not in (None, NO_ACCESS) else {}) for e, (r, g) in drawn[1].items()}
    drift = compare(spoke, desired, read_export(_export(spoke, held), spoke), ADMIN)
    after = _apply(spoke, held, drift.push.users_file().text())
    again = compare(spoke, desired, read_export(_export(spoke, after), spoke), ADMIN)
    assert again.empty, report_lines(again)
    assert again.push.empty
    untouched = {e for e in held if not drawn[0][e][0]}
    assert {e: after[e] for e in untouched} == {e: held[e] for e in untouched}


def test_export_rows_merge_per_user_and_write_wins() -> None:
    """Several rows of one user merge by email (any case), Write over Read on one item."""
    data = (
        b"Email Address,Model Role,P3 Product Read,P3 Product Write,G2 Read,G2 Write\n"
        b"Ann@Example.com,Planner,HW,,,\nann@example.com,,,HW,EMEA,\n"
    )
    held = read_export(data, _spoke())
    assert held == {
        "ann@example.com": UserState(
            "ann@example.com",
            True,
            "Planner",
            {("Products", "HW"): Level.WRITE, ("Geography", "EMEA"): Level.READ},
        )
    }


def test_configured_columns_are_read_when_the_export_has_them() -> None:
    """A list's configured Read/Write headers name its export columns when present."""
    columns = {"read": "Prod R", "write": "Prod W", "none": "Prod N"}
    spoke = _spoke(lists=[{"hub": "Products", "name": "P3 Product", "columns": columns}])
    held = read_export(b"Email Address,Model Role,Prod R,Prod W\na@x.com,Viewer,,SW\n", spoke)
    assert held["a@x.com"].grants == {("Products", "SW"): Level.WRITE}


def test_an_export_without_a_list_column_names_it_and_the_fix() -> None:
    """A missing column raises ReconcileError naming the column and what the export must show."""
    with pytest.raises(ReconcileError, match=r"'G2 Write'.*fix: make the export"):
        read_export(
            b"Email Address,Model Role,P3 Product Read,P3 Product Write,G2 Read\n", _spoke()
        )


def test_the_integration_user_and_unknown_users_are_never_corrected() -> None:
    """The integration user is skipped and a user the state does not hold is only reported."""
    spoke = _spoke()
    held = read_export(
        b"Email Address,Model Role,P3 Product Read,P3 Product Write,G2 Read,G2 Write\n"
        b"integration@example.com,Full Access,,,,\nzed@example.com,Planner,TOTAL,,,\n",
        spoke,
    )
    desired = {"admin": UserState(ADMIN, True, "Viewer", {})}
    drift = compare(spoke, desired, held, ADMIN)
    assert drift.empty
    assert drift.push.empty
    assert drift.unmanaged == ("zed@example.com",)
    assert "left alone: 1 users" in report_lines(drift)[-1]


def test_a_user_in_the_no_access_role_needs_no_row_when_absent() -> None:
    """A member resolved to No Access and missing from the Users list holds what it should."""
    desired = {"b": UserState("b@example.com", True, NO_ACCESS, {("Products", "HW"): Level.READ})}
    drift = compare(_spoke(), desired, {}, ADMIN)
    assert drift.empty
    assert report_lines(drift) == ["spoke s: no drift (1 users compared)"]
