"""A full load written by `uam replay`, pushed through the simulator, leaves the spoke right.

The simulator is driven in process through `httpx.ASGITransport` (STYLE item 8), seeded by
`seed_for_settings` from the reference example's configuration and replay output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from uam_events.anaplan.simulator import SimulatorOptions, seed_for_settings, simulator_app
from uam_events.anaplan.simulator.spoke_seed import source_file_id
from uam_events.estate import csv_dicts, seed_inputs
from uam_events.replay import replay_file
from uam_events.settings import Settings, SpokeSettings, load_settings


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio only."""
    return "asyncio"


@pytest.fixture
def replayed(example: Path, tmp_path: Path) -> Iterator[tuple[Settings, Path]]:
    """Return the example's settings and its replay output folder."""
    settings = load_settings(example / "config.yaml", environ={})
    replay_file(example / "events.jsonl", settings, tmp_path)
    return settings, tmp_path


async def _push(client: httpx.AsyncClient, spoke: SpokeSettings, folder: Path) -> list[Any]:
    """Upload the users and access-text files, run both imports; return their results."""
    base = f"/2/0/workspaces/{spoke.workspace_id}/models/{spoke.model_id}"
    results = []
    for import_id, name in (
        (spoke.users_import_id, "users.csv"),
        (spoke.access_text_import_id, "access_text.csv"),
    ):
        file_id = source_file_id(import_id)
        await client.post(f"{base}/files/{file_id}", json={"chunkCount": 1})
        put = await client.put(
            f"{base}/files/{file_id}/chunks/0", content=(folder / name).read_bytes()
        )
        assert put.status_code == 204
        start = await client.post(f"{base}/imports/{import_id}/tasks", json={"localeName": "en_US"})
        task_id = start.json()["task"]["taskId"]
        task = (await client.get(f"{base}/imports/{import_id}/tasks/{task_id}")).json()["task"]
        assert task["taskState"] == "COMPLETE"
        results.append(task["result"])
    return results


@pytest.mark.anyio
async def test_the_full_load_leaves_each_spoke_holding_the_replayed_grants(
    replayed: tuple[Settings, Path],
) -> None:
    """Roles and explicit access in every simulated spoke equal roles.csv and grants.csv."""
    settings, out = replayed
    members, items, roles = seed_inputs(out)
    seed = seed_for_settings(settings, members, items, "pw-" + out.name, roles=roles)
    app = simulator_app(seed, SimulatorOptions(task_seconds=0.0))
    emails = {
        user["id"]: user["userName"]
        for user in map(json.loads, (out / "users.jsonl").read_text().splitlines())
    }
    integration = settings.anaplan.auth.user
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://simulator") as client:
        auth = httpx.BasicAuth(integration, "pw-" + out.name)
        token = (await client.post("/token/authenticate", auth=auth)).json()["tokenInfo"]
        client.headers["Authorization"] = f"AnaplanAuthToken {token['tokenValue']}"
        for spoke in settings.spokes:
            users_result, text_result = await _push(client, spoke, out / "imports" / spoke.id)
            assert users_result["failureDumpAvailable"] is False
            view = (await client.get(f"/_sim/models/{spoke.model_id}")).json()
            names = {entry.hub: entry.name for entry in spoke.lists}
            expected_roles = {
                emails[r["user_id"]]: r["role"]
                for r in csv_dicts(out / "roles.csv")
                if r["spoke"] == spoke.id
                and r["role"] != spoke.no_access_role
                and emails[r["user_id"]] != integration
            }
            held_roles = {u["email"]: u["role"] for u in view["users"] if u["email"] != integration}
            assert held_roles == expected_roles
            expected = {
                (emails[g["user_id"]], names[g["list"]], g["item"]): g["level"].capitalize()
                for g in csv_dicts(out / "grants.csv")
                if g["spoke"] == spoke.id and emails[g["user_id"]] != integration
            }
            held = {
                (email, name, code): level
                for email, lists in view["access"].items()
                for name, codes in lists.items()
                for code, level in codes.items()
            }
            assert held == expected
            texts = {
                row["Email Address"]
                for row in csv_dicts(out / "imports" / spoke.id / "access_text.csv")
            }
            assert set(view["access_text"]) == texts  # no text row for a no-access user
            failed = dict(
                zip(
                    text_result["details"][0]["values"][::2],
                    text_result["details"][0]["values"][1::2],
                    strict=True,
                )
            )["failedCount"]
            assert int(failed) == 0


@pytest.mark.anyio
async def test_a_bare_task_id_is_sent_when_asked(tenant_seed: Any) -> None:
    """With bare_task_id the start answers `{"taskId"}` with no `task` wrapper."""
    seed, secret = tenant_seed()
    app = simulator_app(seed, SimulatorOptions(bare_task_id=True))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://simulator") as client:
        auth = httpx.BasicAuth("integration@example.com", secret)
        token = (await client.post("/token/authenticate", auth=auth)).json()["tokenInfo"]
        headers = {"Authorization": f"AnaplanAuthToken {token['tokenValue']}"}
        path = "/2/0/models/75A40874E6B64FA3AE0743278996850F/exports/116000000001/tasks"
        body = (await client.post(path, json={"localeName": "en_US"}, headers=headers)).json()
    assert set(body) == {"taskId"}
    assert len(body["taskId"]) == 32
