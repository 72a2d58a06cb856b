"""The files a full load pushes into a spoke: the users import and the access-text import.

Invariants: one selective-access item per row (Anaplan's rule), every row naming the user's
role; no selective access for a user in the no-access role (it clears it anyway); never a
row for a non-member or for the integration user; rows sorted, so the same state always
gives the same bytes. `UsersLayout.row` is the one row writer: the full load here and
the sink's incremental pushes both write their rows through it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from uam_events.core.access import UserAccess
from uam_events.core.levels import Level
from uam_events.core.spokes import Spoke

EMAIL = "Email Address"
ROLE = "Model Role"
TEXT = "Access Text"
TEXT_HEADER = (EMAIL, TEXT)


@dataclass(frozen=True, slots=True)
class ListHeaders:
    """The users import's Read, Write and None column headers of one hub list."""

    hub: str
    read: str
    write: str
    none: str


@dataclass(frozen=True, slots=True)
class UsersLayout:
    """The users import's columns: email, role, then Read/Write/None per spoke list."""

    lists: tuple[ListHeaders, ...]
    _slots: dict[str, int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        slots = {entry.hub: 2 + 3 * i for i, entry in enumerate(self.lists)}
        object.__setattr__(self, "_slots", slots)

    @classmethod
    def of(cls, spoke: Spoke) -> UsersLayout:
        """Return the default layout of a spoke: `<name> Read`, `<name> Write`, `<name> None`."""
        return cls(
            tuple(
                ListHeaders(e.hub, f"{e.name} Read", f"{e.name} Write", f"{e.name} None")
                for e in spoke.lists
            )
        )

    def header(self) -> list[str]:
        """Return the header row."""
        columns = [EMAIL, ROLE]
        for entry in self.lists:
            columns += [entry.read, entry.write, entry.none]
        return columns

    def row(self, email: str, role: str, grant: tuple[str, str, Level] | None = None) -> list[str]:
        """Return one users row: the role, and at most one (hub list, item, level) assignment."""
        row = [email, role] + [""] * (3 * len(self.lists))
        if grant is not None:
            hub_list, item, level = grant
            offset = {Level.READ: 0, Level.WRITE: 1, Level.NONE: 2}[level]
            row[self._slots[hub_list] + offset] = item
        return row


def users_header(spoke: Spoke) -> list[str]:
    """Return the users import's default columns: email, role, then Read/Write/None per list."""
    return UsersLayout.of(spoke).header()


def users_rows(
    spoke: Spoke,
    members: Iterable[tuple[str, UserAccess]],
    integration_user: str | None,
    layout: UsersLayout | None = None,
) -> list[list[str]]:
    """Return the users import rows of a full load, one selective-access item per row.

    A user in the no-access role gets their role row only: No Access clears selective access.
    """
    layout = layout or UsersLayout.of(spoke)
    rows: list[list[str]] = []
    for email, access in members:
        if not access.member or access.role is None or is_integration_user(email, integration_user):
            continue
        if not access.grants or access.role == spoke.no_access_role:
            rows.append(layout.row(email, access.role))
            continue
        for (hub_list, item), grant in access.grants.items():
            rows.append(layout.row(email, access.role, (hub_list, item, grant.level)))
    return sorted(rows)


def text_rows(
    members: Iterable[tuple[str, UserAccess]], integration_user: str | None, no_access_role: str
) -> list[list[str]]:
    """Return the access-text import rows: each member's email and access text.

    A user in the no-access role is not in the model's Users list, so the access-text module
    has no row for them: none is written (Anaplan would reject it).
    """
    rows = [
        [email, access.text]
        for email, access in members
        if access.text is not None
        and access.role != no_access_role
        and not is_integration_user(email, integration_user)
    ]
    return sorted(rows)


def render_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Return RFC 4180 CSV text with `\\n` line ends, the header row and minimal quoting."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def is_integration_user(email: str, integration_user: str | None) -> bool:
    """Return whether an address is the integration user's (compared case-insensitively)."""
    return integration_user is not None and email.casefold() == integration_user.casefold()
