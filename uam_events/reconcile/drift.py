"""Drift between what a spoke holds (its Users export) and the resolved state, and its fix.

Invariants: pure (bytes and records in, records out); a user is matched by email, compared
case-insensitively; a member missing from the export holds the no-access role (Anaplan drops
No Access users from the Users list); users the resolved state does not name as members, and
the integration user, are reported and never corrected; the access text is not compared (the
export does not carry it). Corrections are planned by the sink's own planner against the held
state as if it were acknowledged, so they go through the one row writer and obey the same
rules: None for an extra grant or a downgrade, then Read/Write, the role on every row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from uam_events.anaplan.imports import EMAIL, ROLE, is_integration_user
from uam_events.core.access import GrantKey
from uam_events.core.levels import Level
from uam_events.errors import ReconcileError
from uam_events.settings import SpokeSettings
from uam_events.sink.planner import Push, plan
from uam_events.sink.state import Tracked, UserState


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One item of one user that differs: `held` and `wanted` are None when absent."""

    email: str
    item: str
    held: Level | None
    wanted: Level | None


@dataclass(frozen=True, slots=True)
class ListDrift:
    """The items of one hub list that differ, split into added, removed and changed."""

    hub: str
    name: str
    added: tuple[ItemChange, ...] = ()
    removed: tuple[ItemChange, ...] = ()
    changed: tuple[ItemChange, ...] = ()

    @property
    def empty(self) -> bool:
        """Tell whether the list is as it should be."""
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True, slots=True)
class RoleChange:
    """A user whose model role differs (None: not in the Users list)."""

    email: str
    held: str | None
    wanted: str


@dataclass(frozen=True, slots=True)
class Drift:
    """What differs in one spoke, the push that corrects it, and the users left alone."""

    spoke: str
    roles: tuple[RoleChange, ...]
    lists: tuple[ListDrift, ...]
    unmanaged: tuple[str, ...]
    push: Push
    users_compared: int = 0

    @property
    def empty(self) -> bool:
        """Tell whether the spoke holds exactly the resolved state."""
        return not self.roles and all(entry.empty for entry in self.lists)


def read_export(data: bytes, spoke: SpokeSettings) -> dict[str, UserState]:
    """Return the users an export holds, by casefolded email: role and explicit grants.

    Each list's columns are its configured Read/Write headers, else `<name> Read`/`<name> Write`;
    several rows of one user merge, Write winning over Read.
    """
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = list(reader.fieldnames or [])
    columns = _export_columns(header, spoke)
    held: dict[str, UserState] = {}
    for row in reader:
        email = (row.get(EMAIL) or "").strip()
        if not email:
            continue
        before = held.get(email.casefold(), UserState(email=email, member=True))
        grants = dict(before.grants)
        for hub, level, column in columns:
            item = (row.get(column) or "").strip()
            if item and grants.get((hub, item), Level.NONE) < level:
                grants[(hub, item)] = level
        role = (row.get(ROLE) or "").strip() or before.role
        held[email.casefold()] = UserState(email=email, member=True, role=role, grants=grants)
    return held


def _export_columns(header: list[str], spoke: SpokeSettings) -> list[tuple[str, Level, str]]:
    """Return (hub list, level, column) per list and level; raise when a column is missing."""
    missing = [name for name in (EMAIL, ROLE) if name not in header]
    found: list[tuple[str, Level, str]] = []
    for entry in spoke.lists:
        configured = entry.import_columns()
        for level, own, default in (
            (Level.READ, configured.read, f"{entry.name} Read"),
            (Level.WRITE, configured.write, f"{entry.name} Write"),
        ):
            column = own if own in header else default
            if column in header:
                found.append((entry.hub, level, column))
            else:
                missing.append(own)
    if missing:
        raise ReconcileError(
            f"spoke {spoke.id}: the Users export has no column {', '.join(map(repr, missing))}",
            "make the export (users_export_id) show the Users list with Model Role and each "
            "list's Read and Write columns",
        )
    return found


def compare(
    spoke: SpokeSettings,
    desired: Mapping[str, UserState],
    held: Mapping[str, UserState],
    integration_user: str | None,
) -> Drift:
    """Return the drift of a spoke: `desired` by user id, `held` by casefolded email."""
    names = {entry.hub: entry.name for entry in spoke.lists}
    tracked: list[tuple[str, Tracked]] = []
    roles: list[RoleChange] = []
    changes: dict[str, list[tuple[str, ItemChange]]] = {hub: [] for hub in names}
    managed: set[str] = set()
    for user_id, want in sorted(desired.items()):
        email = want.email
        if not want.member or want.role is None or email is None:
            continue
        if is_integration_user(email, integration_user):
            continue
        managed.add(email.casefold())
        have = held.get(email.casefold()) or UserState(email, True, spoke.no_access_role)
        have = UserState(email, True, have.role, have.grants, want.text, want.seq)
        tracked.append((user_id, Tracked(desired=want, acknowledged=have)))
        if have.role != want.role:
            roles.append(RoleChange(email, have.role, want.role))
        wanted = {} if want.role == spoke.no_access_role else want.grants
        holding = {} if have.role == spoke.no_access_role else have.grants
        for key, change in _item_changes(email, holding, wanted):
            changes.setdefault(key[0], []).append((key[0], change))
    unmanaged = sorted(
        state.email or key
        for key, state in held.items()
        if key not in managed and not is_integration_user(state.email or key, integration_user)
    )
    return Drift(
        spoke.id,
        tuple(roles),
        tuple(_list_drift(hub, names.get(hub, hub), found) for hub, found in changes.items()),
        tuple(unmanaged),
        plan(spoke, tracked, integration_user),
        len(tracked),
    )


def _item_changes(
    email: str, held: Mapping[GrantKey, Level], wanted: Mapping[GrantKey, Level]
) -> Iterable[tuple[GrantKey, ItemChange]]:
    """Yield each (list, item) whose level differs, with the change."""
    for key in sorted(held.keys() | wanted.keys()):
        old, new = held.get(key), wanted.get(key)
        if old != new:
            yield key, ItemChange(email, key[1], old, new)


def _list_drift(hub: str, name: str, found: list[tuple[str, ItemChange]]) -> ListDrift:
    """Split one list's changes into added, removed and changed."""
    changes = [change for _, change in found]
    return ListDrift(
        hub,
        name,
        added=tuple(c for c in changes if c.held is None),
        removed=tuple(c for c in changes if c.wanted is None),
        changed=tuple(c for c in changes if c.held is not None and c.wanted is not None),
    )
