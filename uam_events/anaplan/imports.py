"""The files a full load pushes into a spoke: the users import and the access-text import.

Invariants: one selective-access item per row (Anaplan's rule), every row naming the user's
role; never a row for a non-member or for the integration user; rows sorted, so the same state
always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from uam_events.core.access import UserAccess
from uam_events.core.levels import Level
from uam_events.core.spokes import Spoke

EMAIL = "Email Address"
ROLE = "Model Role"
TEXT = "Access Text"


def users_header(spoke: Spoke) -> list[str]:
    """Return the users import's columns: email, role, then Read/Write/None per spoke list."""
    columns = [EMAIL, ROLE]
    for entry in spoke.lists:
        columns += [
            f"{entry.name} {level.column}" for level in (Level.READ, Level.WRITE, Level.NONE)
        ]
    return columns


def users_rows(
    spoke: Spoke, members: Iterable[tuple[str, UserAccess]], integration_user: str | None
) -> list[list[str]]:
    """Return the users import rows of a full load, one selective-access item per row."""
    width = 2 + 3 * len(spoke.lists)
    slot = {entry.hub: 2 + 3 * i for i, entry in enumerate(spoke.lists)}
    rows: list[list[str]] = []
    for email, access in members:
        if not access.member or access.role is None or is_integration_user(email, integration_user):
            continue
        if not access.grants:
            rows.append([email, access.role] + [""] * (width - 2))
        for (hub_list, item), grant in access.grants.items():
            row = [email, access.role] + [""] * (width - 2)
            row[slot[hub_list] + (grant.level - 1)] = item
            rows.append(row)
    return sorted(rows)


def text_rows(
    members: Iterable[tuple[str, UserAccess]], integration_user: str | None
) -> list[list[str]]:
    """Return the access-text import rows: each member's email and access text."""
    rows = [
        [email, access.text]
        for email, access in members
        if access.text is not None and not is_integration_user(email, integration_user)
    ]
    return sorted(rows)


def is_integration_user(email: str, integration_user: str | None) -> bool:
    """Return whether an address is the integration user's (compared case-insensitively)."""
    return integration_user is not None and email.casefold() == integration_user.casefold()
