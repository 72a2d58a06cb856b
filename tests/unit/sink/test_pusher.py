"""One spoke's run through the simulator (in process, `httpx.ASGITransport`): the store changes
only by what the spoke accepted, backpressure acknowledges nothing, the guard holds."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter

from uam_events.anaplan.client import AnaplanClient
from uam_events.anaplan.model import AnaplanModel
from uam_events.anaplan.retry import RetryPolicy
from uam_events.anaplan.simulator import SimulatorOptions, seed_for_settings, simulator_app
from uam_events.anaplan.tasks import PollPolicy
from uam_events.contract.audit import HeldPush, PushOutcome, QuarantinedRow
from uam_events.contract.outputs import Delta
from uam_events.errors import AnaplanBusy
from uam_events.settings import GuardSettings, Settings, load_settings
from uam_events.sink.coalescing import WireDelta, coalesce
from uam_events.sink.pusher import SpokeTarget, run_spoke
from uam_events.sink.state import Tracked
from uam_events.sink.store import MemoryStore

AT = datetime(2026, 11, 20, 8, tzinfo=UTC)
DELTA: TypeAdapter[WireDelta] = TypeAdapter(Delta)
MEMBERS = ("anna@example.com", "bob@example.com")
ITEMS = {"Products": [("TOTAL", "Total", None)], "Geography": [("EMEA", "EMEA", None)]}


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio only."""
    return "asyncio"


@pytest.fixture
def settings(example: Path) -> Settings:
    """Return the reference example's settings, with a fresh integration password."""
    environ = {"UAM_ANAPLAN__PASSWORD": secrets.token_urlsafe(16)}
    return load_settings(example / "config.yaml", environ=environ)


@pytest.fixture
async def tenant(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, AnaplanModel]]:
    """Return a control client of a simulated tenant and the model of spoke sales-emea."""
    spoke = settings.spokes[0]
    password = settings.anaplan.auth.require_password()
    members = {spoke.workspace_id: list(MEMBERS)}
    seed = seed_for_settings(settings, members, ITEMS, password)
    transport = httpx.ASGITransport(app=simulator_app(seed, SimulatorOptions(task_seconds=0.0)))
    client = AnaplanClient(settings.anaplan, transport, retry=RetryPolicy(attempts=1))
    control = httpx.AsyncClient(transport=transport, base_url="http://simulator")
    poll = PollPolicy(first=0.001, cap=0.001)
    async with client, control:
        yield control, AnaplanModel(client, spoke.workspace_id, spoke.model_id, poll=poll)


def deltas(user: str, *changes: dict[str, Any]) -> list[WireDelta]:
    """Return a member's deltas in spoke sales-emea: joined as Planner, then `changes`."""
    head = {"spoke": "sales-emea", "user_id": user, "email": f"{user}@example.com", "at": AT}
    base: list[dict[str, Any]] = [
        {"kind": "membership", "member": True},
        {"kind": "role", "from": None, "to": "Planner", "because": []},
        *changes,
    ]
    return [DELTA.validate_python(head | c | {"seq": n}) for n, c in enumerate(base, 1)]


def grant(hub: str, item: str, old: str, new: str) -> dict[str, Any]:
    """Return the body of a grant delta."""
    return {"kind": "grant", "list": hub, "item": item, "from": old, "to": new, "because": []}


@pytest.fixture
def make_target(settings: Settings) -> Callable[..., SpokeTarget]:
    """Return a factory of the sales-emea run target over a model."""

    def make(model: AnaplanModel, **changes: Any) -> SpokeTarget:
        target = SpokeTarget(
            settings.spokes[0], model, settings.guard, settings.anaplan.auth.user, 2
        )
        return replace(target, **changes)

    return make


def stored(*users: list[WireDelta]) -> MemoryStore:
    """Return a memory store with the users' deltas folded in."""
    store = MemoryStore()
    for each in users:
        store.write(coalesce(store.get, each))
    return store


@pytest.mark.anyio
async def test_a_full_load_is_acknowledged_as_the_spoke_holds_it(
    tenant: tuple[httpx.AsyncClient, AnaplanModel], make_target: Callable[..., SpokeTarget]
) -> None:
    """A first run pushes every row; the store then acknowledges it and the next run is empty."""
    control, model = tenant
    store = stored(
        deltas("anna", grant("Products", "TOTAL", "none", "read")),
        deltas("bob", grant("Geography", "EMEA", "none", "write")),
    )
    report = await run_spoke(make_target(model), store, AT)
    assert report.state == "pushed"
    assert isinstance(report.audit[0], PushOutcome)
    assert report.audit[0].accepted == 2
    for user in ("anna", "bob"):
        tracked = store.get(user)
        assert tracked.acknowledged.grants == tracked.desired.grants
        assert tracked.acknowledged.role == "Planner"
    view = (await control.get("/_sim/models/75A40874E6B64FA3AE0743278996850F")).json()
    assert view["access"] == {
        "anna@example.com": {"P3 Product": {"TOTAL": "Read"}},
        "bob@example.com": {"G2 Country": {"EMEA": "Write"}},
    }
    assert (await run_spoke(make_target(model), store, AT)).state == "empty"


@pytest.mark.anyio
async def test_a_rejected_row_is_parked_then_quarantined(
    tenant: tuple[httpx.AsyncClient, AnaplanModel], make_target: Callable[..., SpokeTarget]
) -> None:
    """A row for an item the spoke lacks stays pending, is quarantined after two runs, and its
    role then goes alone."""
    _, model = tenant
    store = stored(deltas("anna", grant("Products", "NEW", "none", "read")))
    first = await run_spoke(make_target(model), store, AT)
    assert isinstance(first.audit[0], PushOutcome)
    assert (first.audit[0].rejected, first.audit[0].pending) == (1, 1)
    assert store.get("anna").acknowledged.grants == {}
    second = await run_spoke(make_target(model), store, AT)
    assert [type(r) for r in second.audit] == [PushOutcome, QuarantinedRow]
    third = await run_spoke(make_target(model), store, AT)
    assert third.push is not None
    assert (len(third.push.roles), len(third.push.grants)) == (1, 0)
    assert store.get("anna").acknowledged.role == "Planner"
    assert (await run_spoke(make_target(model), store, AT)).state == "empty"


@pytest.mark.anyio
async def test_backpressure_acknowledges_nothing(
    tenant: tuple[httpx.AsyncClient, AnaplanModel], make_target: Callable[..., SpokeTarget]
) -> None:
    """A 429 asking for more than the client waits raises AnaplanBusy; the store is unchanged."""
    control, model = tenant
    fault = {"path": "/imports/.*/tasks$", "status": 429, "count": 5, "retry_after": 900}
    assert (await control.post("/_sim/faults", json=fault)).status_code == 201
    store = stored(deltas("anna", grant("Products", "TOTAL", "none", "read")))
    before = store.get("anna")
    with pytest.raises(AnaplanBusy) as raised:
        await run_spoke(make_target(model), store, AT)
    assert raised.value.retry_after == 900
    assert store.get("anna") == before


@pytest.mark.anyio
async def test_a_push_past_the_guard_is_held_once_and_changes_nothing(
    tenant: tuple[httpx.AsyncClient, AnaplanModel], make_target: Callable[..., SpokeTarget]
) -> None:
    """A push lowering more users than the threshold is held, reported once, and not pushed."""
    _, model = tenant
    store = stored(
        deltas("anna", grant("Products", "TOTAL", "none", "read")),
        deltas("bob", grant("Geography", "EMEA", "none", "write")),
    )
    target = make_target(model, guard=GuardSettings(max_revoked_fraction=0.1, min_revoked_users=0))
    assert (await run_spoke(target, store, AT)).state == "pushed"
    revoke = DELTA.validate_python(
        {"spoke": "sales-emea", "user_id": "anna", "email": "anna@example.com", "at": AT, "seq": 9}
        | grant("Products", "TOTAL", "read", "none")
    )
    store.write(coalesce(store.get, [revoke]))
    before: Tracked = store.get("anna")
    held = await run_spoke(target, store, AT)
    assert held.state == "held"
    assert [type(r) for r in held.audit] == [HeldPush]
    assert store.guard().held is not None
    assert store.get("anna") == before
    again = await run_spoke(target, store, AT)
    assert (again.state, again.audit) == ("held", [])
