"""How replay results look on a terminal: the per-spoke summary table."""

from __future__ import annotations

from rich.table import Table

from uam_events.replay import Replay, summarize


def spoke_table(run: Replay) -> Table:
    """Return members, active members, grants, roles and deltas per spoke."""
    table = Table("spoke", "members", "active", "grants", "roles", "deltas")
    for row in summarize(run):
        roles = ", ".join(f"{name} {count}" for name, count in row.roles.items())
        counts = (str(row.members), str(row.active), str(row.grants))
        table.add_row(row.spoke, *counts, roles, str(row.deltas))
    return table
