"""The export of the Users list with each user's role and explicit selective access.

Layout (a simulator choice: a real export's layout is the model builder's): one row per user
and explicit item, in the users import's own shape, so a reconciliation can read it back; a
user without explicit access has one row with the access columns empty. Rows are sorted.
"""

from __future__ import annotations

import csv
import io

from uam_events.anaplan.simulator.outcome import Outcome
from uam_events.anaplan.simulator.seed import ExportSeed
from uam_events.anaplan.simulator.world import Model, World
from uam_events.core.levels import Level

USERS = "Users"


def export_header(model: Model) -> list[str]:
    """Return the export's columns: identity, role, then Read and Write per list."""
    header = ["Email Address", "First Name", "Last Name", "Model Role"]
    for name in model.lists:
        header += [f"{name} Read", f"{name} Write"]
    return header


def export_rows(world: World, model: Model) -> list[list[str]]:
    """Return one row per user and explicit item, sorted."""
    names = list(model.lists)
    width = 4 + 2 * len(names)
    rows: list[list[str]] = []
    for user_key, role in model.user_roles.items():
        user = world.users.get(user_key)
        first = [
            user.email if user else user_key,
            user.first_name if user else "",
            user.last_name if user else "",
            role,
        ]
        held = model.access.get(user_key, {})
        items = [(n, code, level) for n, codes in held.items() for code, level in codes.items()]
        if not items:
            rows.append(first + [""] * (width - 4))
        for list_name, code, level in items:
            row = first + [""] * (width - 4)
            row[4 + 2 * names.index(list_name) + (level == Level.WRITE)] = code
            rows.append(row)
    return sorted(rows)


def run_export(world: World, model: Model, spec: ExportSeed) -> tuple[bytes, Outcome]:
    """Write the export's CSV; return it with the task's outcome."""
    rows = export_rows(world, model)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(export_header(model))
    writer.writerows(rows)
    outcome = Outcome(spec.id, spec.name, USERS, total=len(rows))
    return out.getvalue().encode("utf-8"), outcome
