"""The USERS import applied row by row: roles, selective access, failures and the dump."""

from __future__ import annotations

import csv
import io
from typing import Any

from hypothesis import HealthCheck, given, settings

from tests.conftest import ADMIN, MODEL, PRODUCTS, Seeder
from tests.conftest import HEADER as USERS_HEADER
from tests.strategies import sa_import_rows
from uam_events.anaplan.simulator.outcome import Outcome, read_table
from uam_events.anaplan.simulator.users_import import apply_users_import
from uam_events.anaplan.simulator.world import Model, World
from uam_events.core.levels import Level

HEADER = [*USERS_HEADER, "Plain Read"]


def _csv(rows: list[list[str]]) -> bytes:
    """Return a users-import file with the standard header."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return out.getvalue().encode()


def _row(email: str, role: str = "Planner", level: str = "", item: str = "") -> list[str]:
    """Return one row: a role and at most one item in the column of `level`."""
    row = [email, role, "", "", "", ""]
    if level:
        row[{"Read": 2, "Write": 3, "None": 4}[level]] = item
    return row


def _run(
    tenant_seed: Seeder, rows: list[list[str]], caller: str = ADMIN, **fields: Any
) -> tuple[World, Model, Outcome]:
    """Apply rows to a fresh tenant; return the world, the model and the outcome."""
    world = World.of(tenant_seed(**fields)[0])
    model = world.models[MODEL]
    spec = model.imports["112000000001"]
    outcome = apply_users_import(world, model, spec, caller, read_table(_csv(rows)))
    return world, model, outcome


def _values(outcome: Outcome) -> dict[str, str]:
    """Return the flat `values` list of the details as a dict."""
    values = outcome.details()[0]["values"]
    return dict(zip(values[::2], values[1::2], strict=True))


def test_a_non_admin_caller_fails_the_task_and_changes_nothing(tenant_seed: Seeder) -> None:
    """A caller who is no workspace administrator gets an unsuccessful result, no changes."""
    _, model, outcome = _run(tenant_seed, [_row("alice@example.com")], caller="dave@example.com")
    assert not outcome.successful
    assert "workspace administrators" in outcome.details()[0]["localMessageText"]
    assert not model.in_users_list("alice@example.com")


def test_read_and_write_are_additive(tenant_seed: Seeder) -> None:
    """Write then Read keeps Write; Read on another item adds it."""
    rows = [
        _row("alice@example.com", level="Write", item="EU"),
        _row("alice@example.com", level="Read", item="EU"),
        _row("alice@example.com", level="Read", item="US"),
    ]
    _, model, outcome = _run(tenant_seed, rows)
    assert model.access["alice@example.com"][PRODUCTS] == {"EU": Level.WRITE, "US": Level.READ}
    assert model.role_of("alice@example.com") == "Planner"
    assert _values(outcome)["successRowCount"] == "3"
    assert not outcome.dump_available


def test_none_removes_only_that_item_and_warns_when_nothing_is_held(tenant_seed: Seeder) -> None:
    """None drops one explicit item; a None on an item not held is ignored with a warning."""
    rows = [
        _row("alice@example.com", level="Read", item="EU"),
        _row("alice@example.com", level="Read", item="US"),
        _row("alice@example.com", level="None", item="EU"),
        _row("alice@example.com", level="None", item="FR"),
    ]
    _, model, outcome = _run(tenant_seed, rows)
    assert model.access["alice@example.com"][PRODUCTS] == {"US": Level.READ}
    assert _values(outcome)["ignoredCount"] == "1"
    assert [(f.status, f.line) for f in outcome.failures] == [("W", 5)]


def test_no_access_clears_access_text_and_the_users_list(tenant_seed: Seeder) -> None:
    """No Access removes the user from the Users list with all its access and access text."""
    _, model, _ = _run(
        tenant_seed,
        [_row("alice@example.com", "No Access")],
        user_roles={ADMIN: "Full Access", "alice@example.com": "Planner"},
        access={"alice@example.com": {PRODUCTS: {"EU": "Write"}}},
        access_text={"alice@example.com": "P3 Product: write EU"},
    )
    assert not model.in_users_list("alice@example.com")
    assert "alice@example.com" not in model.access
    assert "alice@example.com" not in model.access_text


def test_rows_that_break_a_rule_fail_with_a_reason(tenant_seed: Seeder) -> None:
    """Each broken rule fails its row (E) with a message; the good row still applies."""
    two_items = _row("alice@example.com", level="Read", item="EU")
    two_items[3] = "US"
    plain = _row("alice@example.com")
    plain[5] = "X"
    rows = [
        _row(ADMIN, level="Read", item="EU"),
        _row("alice@example.com", "Boss"),
        _row("alice@example.com", level="Read", item="NOPE"),
        _row("carol@example.com"),
        _row("zed@example.com"),
        two_items,
        plain,
        _row("bob@example.com", "No Access", "Read", "EU"),
        _row("", "Planner"),
        _row("bob@example.com", level="Read", item="EU"),
    ]
    _, model, outcome = _run(tenant_seed, rows)
    messages = [f.message for f in outcome.failures]
    expected = [
        "running this import",
        "'Boss' not found",
        "'NOPE' not found",
        "not a member",
        "not found",
        "one selective access item",
        "not enabled",
        "No Access",
        "is empty",
    ]
    assert len(messages) == len(expected)
    for message, part in zip(messages, expected, strict=True):
        assert part in message
    assert [f.line for f in outcome.failures] == list(range(2, 11))
    assert _values(outcome)["failedCount"] == "9"
    assert model.access == {"bob@example.com": {PRODUCTS: {"EU": Level.READ}}}
    assert outcome.successful


def test_the_dump_lists_failed_rows_with_status_line_and_error(tenant_seed: Seeder) -> None:
    """The dump has `_Status_`, the source columns, `_Line_` and `_Error_1_`, quoted."""
    rows = [_row("bob@example.com"), _row("carol@example.com")]
    _, _, outcome = _run(tenant_seed, rows)
    dump = list(csv.reader(io.StringIO(outcome.dump().decode())))
    assert dump[0] == ["_Status_", *HEADER, "_Line_", "_Error_1_"]
    assert dump[1][:3] == ["E", "carol@example.com", "Planner"]
    assert dump[1][-2:] == ["3", "User carol@example.com is not a member of this workspace"]
    assert outcome.dump().startswith(b'"_Status_",')


def test_items_are_found_by_name_when_the_import_maps_names(tenant_seed: Seeder) -> None:
    """An import keyed by item name finds `Europe` and stores the code `EU`."""
    seed, _ = tenant_seed()
    world = World.of(seed)
    model = world.models[MODEL]
    spec = model.imports["112000000001"].model_copy(update={"item_key": "name"})
    table = read_table(_csv([_row("bob@example.com", level="Write", item="Europe")]))
    apply_users_import(world, model, spec, ADMIN, table)
    assert model.explicit("bob@example.com", PRODUCTS, "EU") == Level.WRITE


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=sa_import_rows())
def test_rows_apply_in_file_order_like_a_fold(
    rows: list[tuple[str, str, str]], tenant_seed: Seeder
) -> None:
    """The model ends as a left fold of the rows: max for Read/Write, delete for None."""
    expected: dict[tuple[str, str], Level] = {}
    warnings = 0
    for email, item, level in rows:
        if level == "None":
            warnings += expected.pop((email, item), None) is None
        else:
            expected[email, item] = max(
                expected.get((email, item), Level.NONE), Level[level.upper()]
            )
    _, model, outcome = _run(tenant_seed, [_row(e, "Planner", lv, i) for e, i, lv in rows])
    held = {
        (email, code): level
        for email, lists in model.access.items()
        for code, level in lists.get(PRODUCTS, {}).items()
    }
    assert held == expected
    assert outcome.ignored == warnings
