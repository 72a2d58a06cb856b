"""seed_for_settings: one model per spoke, the id scheme, an admin integration user."""

from __future__ import annotations

from pathlib import Path

import pytest

from uam_events.anaplan.imports import users_header
from uam_events.anaplan.simulator.spoke_seed import EXPORT_ID, seed_for_settings
from uam_events.errors import SimulatorError
from uam_events.settings import Settings, load_settings


@pytest.fixture
def settings(example: Path) -> Settings:
    """Return the reference example's settings."""
    return load_settings(example / "config.yaml", environ={})


def test_each_spoke_becomes_a_model_with_the_documented_ids(settings: Settings) -> None:
    """Lists 101..., sources 113 + import suffix, refresh imports 1129..., export 116000000001."""
    items = {"Products": [("TOTAL", "Total", None), ("LAPTOP", "Laptop", "TOTAL")]}
    seed = seed_for_settings(settings, {}, items, "pw", roles=["Finance Admin"])
    spoke = settings.spokes[0]
    model = next(m for m in seed.models if m.id == spoke.model_id)
    assert [(entry.id, entry.name) for entry in model.lists] == [
        ("101000000001", "P3 Product"),
        ("101000000002", "G2 Country"),
    ]
    assert [item.code for item in model.lists[0].items] == ["TOTAL", "LAPTOP"]
    users = next(i for i in model.imports if i.id == spoke.users_import_id)
    assert users.file_id == "113" + spoke.users_import_id[3:]
    assert users.header_names == users_header(spoke.core())
    assert [p.actions for p in model.processes] == [["112900000001", "112900000002"]]
    assert [e.id for e in model.exports] == [EXPORT_ID]
    assert {"Planner", "No Access", "Finance Admin"} <= set(model.roles)


def test_the_integration_user_administers_every_spoke_workspace(settings: Settings) -> None:
    """The integration user is admin everywhere; members are per workspace."""
    workspace = settings.spokes[1].workspace_id
    seed = seed_for_settings(settings, {workspace: ["ann@example.com"]}, {}, "pw")
    integration = settings.anaplan.auth.user
    assert all(ws.admins == [integration] for ws in seed.workspaces)
    assert [ws.members for ws in seed.workspaces if ws.id == workspace] == [["ann@example.com"]]
    assert seed.users[0].password is not None
    assert "pw" not in repr(seed)


def test_ids_anaplan_cannot_have_are_refused(settings: Settings) -> None:
    """A model id that is not 32 uppercase hex is a SimulatorError naming the fix."""
    spoke = settings.spokes[0].model_copy(update={"model_id": "sales"})
    broken = settings.model_copy(update={"spokes": [spoke]})
    with pytest.raises(SimulatorError, match="id formats"):
        seed_for_settings(broken, {}, {}, None)
