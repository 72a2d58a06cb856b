"""The USERS import: model roles and selective access, applied row by row in file order.

Rules (reference 3.1, 3.2 and 8.12-13; docs/decisions/simulator.md):
- only a workspace administrator may run it; anyone else gets a task that completes with
  `successful: false` and changes nothing;
- a row names a known tenant user who is a member of the workspace (the tenant's user
  management lock is on: imports neither create users nor add them to workspaces), never the
  user running the import;
- a role must exist; No Access removes the user from the Users list and clears its selective
  access and access text;
- at most one selective-access item per row, on a list with selective access, naming an item
  that exists; Read and Write add to what the user holds (Write implies Read);
- `<List> None` removes that one item's explicit access; a None on an item the user holds
  nothing on is ignored with a warning (`W` in the dump, counted as ignored).
A row either applies whole or fails whole, except that an ignored None keeps the row's role.
"""

from __future__ import annotations

from dataclasses import dataclass

from uam_events.anaplan.simulator.outcome import FIRST_DATA_LINE, Outcome, SourceTable
from uam_events.anaplan.simulator.seed import NO_ACCESS, ImportSeed, SaColumnSeed
from uam_events.anaplan.simulator.world import Model, World, key
from uam_events.core.levels import Level

USERS = "Users"


@dataclass(frozen=True, slots=True)
class _Change:
    """What one valid row does."""

    email: str
    role: str
    column: SaColumnSeed | None
    code: str


def apply_users_import(
    world: World, model: Model, spec: ImportSeed, caller: str, table: SourceTable
) -> Outcome:
    """Apply a USERS import's rows to a model in file order; return counts and failures."""
    outcome = Outcome(spec.id, spec.name, USERS, header=table.header, total=len(table.rows))
    if not world.is_admin(model.workspace_id, caller):
        message = "Only workspace administrators can import users; the task changed nothing"
        return Outcome.refused(spec.id, spec.name, message)
    if spec.email_column not in table.header:
        message = f"The source file has no column {spec.email_column!r}"
        return Outcome.refused(spec.id, spec.name, message)
    for index, row in enumerate(table.rows):
        line = FIRST_DATA_LINE + index
        change = _check_row(world, model, spec, caller, (table, row))
        if isinstance(change, str):
            outcome.fail(line, row, change)
            continue
        warning = _apply(model, change)
        if warning is not None:
            outcome.warn(line, row, warning)
    return outcome


def _check_row(
    world: World, model: Model, spec: ImportSeed, caller: str, line: tuple[SourceTable, list[str]]
) -> _Change | str:
    """Return what a row (a table and one of its rows) would do, or the reason it fails."""
    table, row = line
    email = table.cell(row, spec.email_column)
    if not email:
        return f"{spec.email_column} is empty"
    if world.user(email) is None:
        return f"User {email} not found: the tenant's user management lock prevents creating users"
    if key(email) == key(caller):
        return "You cannot change the access of the user running this import"
    if not world.is_member(model.workspace_id, email):
        return f"User {email} is not a member of this workspace"
    role = table.cell(row, spec.role_column) if spec.role_column else ""
    if role and role not in model.roles:
        return f"Model role {role!r} not found"
    role = role or model.role_of(email)
    cells = [(column, table.cell(row, column.header)) for column in spec.sa_columns]
    given = [(column, value) for column, value in cells if value]
    if len(given) > 1:
        return "Only one selective access item may be given per row"
    if not given:
        return _Change(email, role, None, "")
    column, value = given[0]
    if role == NO_ACCESS:
        return f"Selective access cannot be given to a user with {NO_ACCESS}"
    target = model.lists[column.list]
    if not target.selective_access:
        return f"Selective access is not enabled on list {column.list!r}"
    item = target.find(value, spec.item_key)
    if item is None:
        return f"Item {value!r} not found in list {column.list!r}"
    return _Change(email, role, column, item.code)


def _apply(model: Model, change: _Change) -> str | None:
    """Apply a valid row; return a warning when its None removed nothing."""
    model.set_role(change.email, change.role)
    column = change.column
    if column is None:
        return None
    if column.level == "None":
        if model.revoke(change.email, column.list, change.code):
            return None
        return f"No selective access to remove on {column.list!r} item {change.code!r}; ignored"
    model.grant(change.email, column.list, change.code, Level.parse(column.level.lower()))
    return None
