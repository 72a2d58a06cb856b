"""The access-text MODULE_DATA import and the HIERARCHY_DATA list refresh."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import ADMIN, MODEL, PRODUCTS
from uam_events.anaplan.simulator.data_imports import apply_hierarchy_import, apply_text_import
from uam_events.anaplan.simulator.outcome import read_table
from uam_events.anaplan.simulator.seed import ItemSeed, SimulatorSeed
from uam_events.anaplan.simulator.world import Item, World

Seeder = Callable[..., tuple[SimulatorSeed, str]]


def test_access_text_is_written_only_for_users_in_the_users_list(tenant_seed: Seeder) -> None:
    """Dave (Viewer) gets his text; Alice (No Access) fails as not found in Users."""
    world = World.of(tenant_seed(access_text={"dave@example.com": "old"})[0])
    model = world.models[MODEL]
    table = read_table(
        "\ufeffEmail Address,Access Text\n"
        'dave@example.com,"line 1\nline 2"\nalice@example.com,x\n'.encode()
    )
    outcome = apply_text_import(world, model, model.imports["112000000002"], ADMIN, table)
    assert model.access_text == {"dave@example.com": "line 1\nline 2"}
    assert [(f.status, f.line) for f in outcome.failures] == [("E", 3)]


def test_an_empty_text_clears_and_a_missing_column_refuses(tenant_seed: Seeder) -> None:
    """'' removes the user's text; a file without the text column fails the task."""
    world = World.of(tenant_seed(access_text={"dave@example.com": "old"})[0])
    model = world.models[MODEL]
    spec = model.imports["112000000002"]
    apply_text_import(
        world, model, spec, ADMIN, read_table(b"Email Address,Access Text\ndave@example.com,\n")
    )
    assert model.access_text == {}
    refused = apply_text_import(world, model, spec, ADMIN, read_table(b"Email Address\nx\n"))
    assert not refused.successful


def test_a_refresh_brings_staged_items_whose_parent_exists(tenant_seed: Seeder) -> None:
    """A staged child of a staged parent enters in order; an orphan fails as Invalid parent."""
    world = World.of(tenant_seed()[0].model_copy(deep=True))
    model = world.models[MODEL]
    model.lists[PRODUCTS].staged = [
        Item.of(ItemSeed(code="IT", parent="EU")),
        Item.of(ItemSeed(code="RM", name="Rome", parent="IT")),
        Item.of(ItemSeed(code="ZZ", parent="NOPE")),
    ]
    outcome = apply_hierarchy_import(model, model.imports["112900000001"])
    assert model.lists[PRODUCTS].items["RM"] == Item("RM", "Rome", "IT")
    assert "ZZ" not in model.lists[PRODUCTS].items
    assert [(f.line, f.message) for f in outcome.failures] == [(4, "Invalid parent")]
    assert model.lists[PRODUCTS].staged == []
