"""The simulated tenant's pure state: seeds, roles, explicit access and inheritance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError

from tests.conftest import ADMIN, MODEL, PRODUCTS, WORKSPACE
from tests.strategies import sa_grants
from uam_events.anaplan.simulator.seed import SimulatorSeed
from uam_events.anaplan.simulator.world import World
from uam_events.core.levels import Level

Seeder = Callable[..., tuple[SimulatorSeed, str]]
PARENTS = {"TOTAL": None, "EU": "TOTAL", "FR": "EU", "DE": "EU", "US": "TOTAL"}


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(grants=sa_grants())
def test_effective_access_is_the_highest_level_on_the_lineage(
    grants: dict[str, str], tenant_seed: Seeder
) -> None:
    """Access on a parent passes to its children; a child's own higher level wins."""
    seed, _ = tenant_seed(access={"bob@example.com": {PRODUCTS: grants}})
    model = World.of(seed).models[MODEL]
    for code in PARENTS:
        expected, current = Level.NONE, code
        while current is not None:
            if current in grants:
                expected = max(expected, Level[grants[current].upper()])
            current = PARENTS[current]
        assert model.effective("bob@example.com", PRODUCTS, code) == expected


def test_a_seed_sets_roles_members_and_admins(tenant_seed: Seeder) -> None:
    """Members without a role have No Access; admins are members; emails ignore case."""
    world = World.of(tenant_seed()[0])
    model = world.models[MODEL]
    assert model.role_of("DAVE@example.com") == "Viewer"
    assert model.role_of("alice@example.com") == "No Access"
    assert world.is_admin(WORKSPACE, ADMIN)
    assert world.is_member(WORKSPACE, ADMIN.upper())
    assert not world.is_member(WORKSPACE, "carol@example.com")
    assert {"Full Access", "No Access", "Planner"} <= model.roles


def test_only_admins_and_members_with_a_role_open_a_model(tenant_seed: Seeder) -> None:
    """A member with No Access cannot open the model; a non-member neither."""
    world = World.of(tenant_seed()[0])
    model = world.models[MODEL]
    assert world.can_open(model, ADMIN)
    assert world.can_open(model, "dave@example.com")
    assert not world.can_open(model, "alice@example.com")
    assert not world.can_open(model, "carol@example.com")


def test_revoke_reports_whether_anything_was_held(tenant_seed: Seeder) -> None:
    """Revoking a held item returns True and leaves no empty mappings behind."""
    model = World.of(tenant_seed(access={"bob@example.com": {PRODUCTS: {"EU": "Read"}}})[0]).models[
        MODEL
    ]
    assert model.revoke("bob@example.com", PRODUCTS, "EU")
    assert not model.revoke("bob@example.com", PRODUCTS, "EU")
    assert model.access == {}


def test_inspect_shows_users_access_and_text(tenant_seed: Seeder) -> None:
    """Inspection names users by their email, levels as Read/Write, lists with items."""
    seed, _ = tenant_seed(
        access={"dave@example.com": {PRODUCTS: {"EU": "Write"}}},
        access_text={"dave@example.com": "write EU"},
    )
    world = World.of(seed)
    view = world.inspect(world.models[MODEL])
    assert {"email": "dave@example.com", "role": "Viewer"} in view["users"]
    assert view["access"] == {"dave@example.com": {PRODUCTS: {"EU": "Write"}}}
    assert view["access_text"] == {"dave@example.com": "write EU"}
    assert view["lists"][PRODUCTS][1] == {"code": "EU", "name": "Europe", "parent": "TOTAL"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"user_roles": {"bob@example.com": "Boss"}}, "is not a role"),
        (
            {"processes": [{"id": "118000000009", "name": "p", "actions": ["112999999999"]}]},
            "names no action",
        ),
        ({"workspace_id": "0" * 32}, "is not a workspace"),
    ],
)
def test_a_seed_with_a_dangling_reference_is_refused(
    tenant_seed: Seeder, fields: dict[str, Any], message: str
) -> None:
    """A role, action or workspace the seed does not define is a validation error."""
    with pytest.raises(ValidationError, match=message):
        tenant_seed(**fields)


def test_passwords_stay_out_of_reprs(tenant_seed: Seeder) -> None:
    """Neither the seed's nor the world's repr shows a password."""
    seed, secret = tenant_seed()
    assert secret not in repr(seed)
    assert secret not in repr(World.of(seed))
