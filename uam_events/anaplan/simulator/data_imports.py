"""The MODULE_DATA import into the access-text module and the HIERARCHY_DATA list refresh.

Invariants: access text is held only for users in the Users list (the module is dimensioned
by Users); a refresh adds a staged item only when its parent is already in the list, so the
list stays a forest.
"""

from __future__ import annotations

from uam_events.anaplan.simulator.outcome import FIRST_DATA_LINE, Outcome, SourceTable
from uam_events.anaplan.simulator.seed import ImportSeed
from uam_events.anaplan.simulator.world import Item, Model, World, key

HIERARCHY_HEADER = ["Code", "Name", "Parent"]


def apply_text_import(
    world: World, model: Model, spec: ImportSeed, caller: str, table: SourceTable
) -> Outcome:
    """Write each row's access text into the module, in file order; '' clears a user's text."""
    module = spec.module or model.text_module
    outcome = Outcome(spec.id, spec.name, module, header=table.header, total=len(table.rows))
    if not world.can_open(model, caller):
        return Outcome.refused(spec.id, spec.name, "You have no access to this model")
    for column in (spec.email_column, spec.text_column):
        if column not in table.header:
            message = f"The source file has no column {column!r}"
            return Outcome.refused(spec.id, spec.name, message)
    for index, row in enumerate(table.rows):
        line = FIRST_DATA_LINE + index
        email = table.cell(row, spec.email_column)
        if not email or not model.in_users_list(email):
            outcome.fail(line, row, f"Item {email!r} not found in Users")
            continue
        text = table.cell(row, spec.text_column)
        if text:
            model.access_text[key(email)] = text
        else:
            model.access_text.pop(key(email), None)
    return outcome


def apply_hierarchy_import(model: Model, spec: ImportSeed) -> Outcome:
    """Move the target list's staged items into it, parents first as staged."""
    target = model.lists.get(spec.target_list or "")
    if target is None:
        return Outcome.refused(spec.id, spec.name, f"List {spec.target_list!r} not found")
    staged, target.staged = target.staged, []
    outcome = Outcome(spec.id, spec.name, target.name, HIERARCHY_HEADER, total=len(staged))
    for index, item in enumerate(staged):
        row = [item.code, item.name, item.parent or ""]
        if item.parent is not None and item.parent not in target.items:
            outcome.fail(FIRST_DATA_LINE + index, row, "Invalid parent")
            continue
        target.items[item.code] = Item(item.code, item.name, item.parent)
    return outcome
