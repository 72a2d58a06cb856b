"""Planning a run: the rows that bring a spoke from its acknowledged state to the desired one.

Invariants: selective-access imports are additive, so a removed grant and a downgrade (Write to
Read) are pushed as a `None` row first, then the Read or Write rows; one item per row; every
users row names the user's role; no row for a non-member, a user without email, or the
integration user; a user in the no-access role gets a role row and no selective access (No
Access clears it) and no access-text row (they are not in the Users list that the text
module is dimensioned by). Rows are sorted, so the same states always give the same bytes, and a run
from an empty acknowledged state is the full load `uam replay` writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from uam_events.anaplan.imports import (
    TEXT_HEADER,
    ListHeaders,
    UsersLayout,
    is_integration_user,
    render_csv,
)
from uam_events.core.access import GrantKey
from uam_events.core.levels import Level
from uam_events.settings import SpokeSettings
from uam_events.sink.state import ROLE_KEY, TEXT_KEY, RowKey, Tracked


@dataclass(frozen=True, slots=True)
class PlannedRow:
    """One row of an import file, and what it sets for which user.

    `level` is the selective access the row assigns (None for a role-only or a text row);
    `wanted` is the value the desired state wants for `key` (a downgrade's None row wants
    `read`, like the Read row after it).
    """

    user_id: str
    key: RowKey
    cells: tuple[str, ...]
    wanted: str
    level: Level | None = None


@dataclass(frozen=True, slots=True)
class ImportFile:
    """An import file: header and rows in push order; line 1 is the header."""

    header: tuple[str, ...]
    rows: tuple[PlannedRow, ...]

    def text(self) -> str:
        """Return the file as RFC 4180 CSV text."""
        return render_csv(self.header, (row.cells for row in self.rows))

    def row_at(self, line: int) -> PlannedRow | None:
        """Return the row at a 1-based file line (the header is line 1), None if there is none."""
        index = line - 2
        return self.rows[index] if 0 <= index < len(self.rows) else None


@dataclass(frozen=True, slots=True)
class Push:
    """One run's rows for a spoke, in DESIGN order: roles, selective access, access text.

    `revocations` are the None rows, `grants` the Read and Write rows. `lowered` names the
    users whose access the push lowers (the accidental-deletion guard counts them);
    `population` is the number of users the spoke holds before it.
    """

    spoke: str
    users_header: tuple[str, ...]
    roles: tuple[PlannedRow, ...]
    revocations: tuple[PlannedRow, ...]
    grants: tuple[PlannedRow, ...]
    texts: tuple[PlannedRow, ...]
    seqs: Mapping[str, int]
    emails: Mapping[str, str]
    lowered: frozenset[str]
    population: int
    _users: ImportFile = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        merged = tuple(sorted(self.roles + self.grants, key=lambda row: row.cells))
        object.__setattr__(self, "_users", ImportFile(self.users_header, self.revocations + merged))

    @property
    def empty(self) -> bool:
        """Return whether the push has no row at all."""
        return not (self.roles or self.revocations or self.grants or self.texts)

    def users_file(self) -> ImportFile:
        """Return the users import: the None rows, then role and Read/Write rows sorted together.

        Every users row names the role, so a role lands with the user's first row; merging
        role-only rows with Read/Write rows keeps a full load byte-identical to replay's.
        """
        return self._users

    def text_file(self) -> ImportFile:
        """Return the access-text import: email and access text per user."""
        return ImportFile(TEXT_HEADER, self.texts)

    def push_id(self) -> str:
        """Return a short digest that names this push's content (16 hex characters)."""
        digest = hashlib.sha256(self.spoke.encode())
        digest.update(self.users_file().text().encode())
        digest.update(self.text_file().text().encode())
        return digest.hexdigest()[:16]


def users_layout(spoke: SpokeSettings) -> UsersLayout:
    """Return the users import's columns of a spoke, as its settings name them."""
    headers = []
    for entry in spoke.lists:
        columns = entry.import_columns()
        headers.append(ListHeaders(entry.hub, columns.read, columns.write, columns.none))
    return UsersLayout(tuple(headers))


@dataclass(slots=True)
class _Plan:
    """The rows and facts gathered while planning, before they are sorted."""

    roles: list[PlannedRow] = field(default_factory=list)
    revocations: list[PlannedRow] = field(default_factory=list)
    grants: list[PlannedRow] = field(default_factory=list)
    texts: list[PlannedRow] = field(default_factory=list)
    seqs: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    lowered: set[str] = field(default_factory=set)
    population: int = 0


def plan(
    spoke: SpokeSettings, users: Iterable[tuple[str, Tracked]], integration_user: str | None
) -> Push:
    """Return the push that brings the spoke from the acknowledged to the desired states."""
    layout = users_layout(spoke)
    out = _Plan()
    for user_id, tracked in users:
        email = tracked.desired.email
        if email is not None and is_integration_user(email, integration_user):
            continue
        if tracked.acknowledged.member:
            out.population += 1
        _plan_user(out, spoke.no_access_role, layout, user_id, tracked)

    def ordered(rows: list[PlannedRow]) -> tuple[PlannedRow, ...]:
        return tuple(sorted(rows, key=lambda row: row.cells))

    return Push(
        spoke.id,
        tuple(layout.header()),
        ordered(out.roles),
        ordered(out.revocations),
        ordered(out.grants),
        ordered(out.texts),
        out.seqs,
        out.emails,
        frozenset(out.lowered),
        out.population,
    )


def _plan_user(
    out: _Plan, no_access: str, layout: UsersLayout, user_id: str, tracked: Tracked
) -> None:
    """Add one user's rows (selective access, role, text) to the plan."""
    desired, acked = tracked.desired, tracked.acknowledged
    email, role = desired.email, desired.role
    if not desired.member or role is None or email is None:
        return
    user = _User(layout, user_id, email, role, tracked)
    rows = [] if role == no_access else _access_rows(out, user, no_access)
    if role != acked.role and not rows and not tracked.quarantined(ROLE_KEY):
        rows.append(PlannedRow(user_id, ROLE_KEY, tuple(layout.row(email, role)), role))
        out.roles.append(rows[-1])
        if role == no_access and acked.role is not None:
            out.lowered.add(user_id)
    text_due = role != no_access and (desired.text or "") != (acked.text or "")
    if text_due and not tracked.quarantined(TEXT_KEY):
        rows.append(PlannedRow(user_id, TEXT_KEY, (email, desired.text or ""), desired.text or ""))
        out.texts.append(rows[-1])
    if rows:
        out.seqs[user_id] = desired.seq
        out.emails[user_id] = email


@dataclass(frozen=True, slots=True)
class _User:
    """The user a row is planned for: their email and desired role are known."""

    layout: UsersLayout
    user_id: str
    email: str
    role: str
    tracked: Tracked

    def access_row(self, key: GrantKey, level: Level) -> PlannedRow:
        """Return the users row assigning `level` on one item."""
        row_key = RowKey("access", *key)
        cells = tuple(self.layout.row(self.email, self.role, (*key, level)))
        wanted = self.tracked.desired.wanted(row_key)
        return PlannedRow(self.user_id, row_key, cells, wanted, level)


def _access_rows(out: _Plan, user: _User, no_access: str) -> list[PlannedRow]:
    """Add a user's None rows and Read/Write rows to the plan; return them."""
    desired, acked = user.tracked.desired, user.tracked.acknowledged
    want = desired.grants
    have = acked.grants if acked.role != no_access else {}
    rows: list[PlannedRow] = []
    for key in sorted(have.keys() | want.keys()):
        old, new = have.get(key), want.get(key)
        if old == new or user.tracked.quarantined(RowKey("access", *key)):
            continue
        if old is not None and (new is None or new < old):
            rows.append(user.access_row(key, Level.NONE))
            out.revocations.append(rows[-1])
            out.lowered.add(user.user_id)
        if new is not None:
            rows.append(user.access_row(key, new))
            out.grants.append(rows[-1])
    return rows
