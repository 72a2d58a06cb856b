"""`uam reconcile` against the simulator under uvicorn on 127.0.0.1, on the reference example.

The resolved state is the example's `uam replay` folder; drift is made by hand with a direct
users import, as an administrator editing the model would.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from uam_events.anaplan.simulator import SimulatorOptions, seed_for_settings, simulator_app
from uam_events.anaplan.simulator.server import serve_in_thread
from uam_events.anaplan.simulator.spoke_seed import source_file_id
from uam_events.cli import app
from uam_events.errors import ReconcileError
from uam_events.estate import seed_inputs
from uam_events.reconcile.runner import run_reconcile
from uam_events.replay import replay_file
from uam_events.settings import Settings, load_settings

SPOKE = "sales-emea"
EXPORT = "116000000001"
HEADER = [
    "Email Address", "Model Role", "P3 Product Read", "P3 Product Write", "P3 Product None",
    "G2 Country Read", "G2 Country Write", "G2 Country None",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Spoke:
    """A served simulator seeded for the example, the settings pointing at it, the replay."""

    url: str
    settings: Settings
    config: Path
    replay: Path
    secret: str

    def reconcile(self, *, dry_run: bool, force: bool = False) -> tuple[int, list[str]]:
        """Run `run_reconcile` on the replay folder; return the exit code and the lines."""
        lines: list[str] = []
        code = run_reconcile(
            self.settings, SPOKE, self.replay, dry_run=dry_run, force=force, say=lines.append
        )
        return code, lines

    def held(self) -> dict[str, Any]:
        """Return what the simulated spoke holds: roles by email, access by email."""
        body: dict[str, Any] = httpx.get(f"{self.url}/_sim/models/{self.model_id}").json()
        return body

    @property
    def model_id(self) -> str:
        """Return the spoke's model id."""
        return self.settings.spokes[0].model_id

    def drift(self, *rows: list[str]) -> None:
        """Import users rows directly, as the integration user (a hand-made change)."""
        spoke = self.settings.spokes[0]
        base = f"{self.url}/2/0/workspaces/{spoke.workspace_id}/models/{spoke.model_id}"
        auth = httpx.BasicAuth(self.settings.anaplan.auth.user, self.secret)
        token = httpx.post(f"{self.url}/token/authenticate", auth=auth).json()["tokenInfo"]
        headers = {"Authorization": f"AnaplanAuthToken {token['tokenValue']}"}
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
        file_id = source_file_id(spoke.users_import_id)
        httpx.post(f"{base}/files/{file_id}", json={"chunkCount": 1}, headers=headers)
        put = httpx.put(f"{base}/files/{file_id}/chunks/0", content=out.getvalue(), headers=headers)
        assert put.status_code == 204
        path = f"{base}/imports/{spoke.users_import_id}/tasks"
        start = httpx.post(path, json={"localeName": "en_US"}, headers=headers)
        task_id = start.json()["task"]["taskId"]
        task = httpx.get(f"{path}/{task_id}", headers=headers).json()["task"]
        assert task["result"]["failureDumpAvailable"] is False, task


@pytest.fixture
def spoke(example: Path, tmp_path: Path) -> Iterator[Spoke]:
    """Serve a simulator seeded from the example, its spokes empty; yield the set-up."""
    settings = load_settings(example / "config.yaml", environ={})
    replay = tmp_path / "replay"
    replay_file(example / "events.jsonl", settings, replay)
    secret = secrets.token_urlsafe(16)
    members, items, roles = seed_inputs(replay)
    seed = seed_for_settings(settings, members, items, secret, roles=roles)
    with serve_in_thread(simulator_app(seed, SimulatorOptions(task_seconds=0.0))) as url:
        data = yaml.safe_load((example / "config.yaml").read_text())
        data["anaplan"].update(auth_url=url, api_url=f"{url}/2/0")
        data["spokes"] = [
            dict(s, users_export_id=EXPORT) for s in data["spokes"] if s["id"] == SPOKE
        ]
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump(data))
        loaded = load_settings(config, environ={"UAM_ANAPLAN__PASSWORD": secret})
        yield Spoke(url, loaded, config, replay, secret)


def _roles(held: dict[str, Any]) -> dict[str, str]:
    """Return the roles the spoke holds, the integration user left out."""
    return {u["email"]: u["role"] for u in held["users"] if u["role"] != "Full Access"}


def test_reconcile_of_an_empty_spoke_pushes_the_full_load(spoke: Spoke) -> None:
    """An empty spoke drifts by every grant and role; one reconcile leaves no drift behind."""
    code, lines = spoke.reconcile(dry_run=True)
    assert code == 0
    assert lines[0] == f"spoke {SPOKE}: drift (3 users compared)"
    assert "    + anna@example.com LAPTOP: nothing -> write" in lines
    assert lines[-1] == "  dry run: nothing pushed"
    assert _roles(spoke.held()) == {}
    code, lines = spoke.reconcile(dry_run=False)
    assert code == 0
    assert lines[-1] == "  pushed: 4 rows accepted, 0 rejected, 0 ignored"
    assert _roles(spoke.held()) == {"anna@example.com": "Planner", "chloe@example.com": "Planner"}
    assert spoke.reconcile(dry_run=True)[1] == [
        f"spoke {SPOKE}: no drift (3 users compared)",
        "  dry run: nothing pushed",
    ]


def test_hand_made_drift_is_reported_then_corrected(spoke: Spoke) -> None:
    """An extra grant gets None, a lost one and a wrong role come back; a dry run pushes nothing."""
    spoke.reconcile(dry_run=False)
    spoke.drift(
        ["anna@example.com", "Planner", "", "", "LAPTOP", "", "", ""],
        ["anna@example.com", "Planner", "", "", "", "APAC", "", ""],
        ["chloe@example.com", "Full Access", "", "", "", "", "", ""],
    )
    drifted = spoke.held()
    code, lines = spoke.reconcile(dry_run=True)
    assert code == 0
    assert spoke.held() == drifted
    assert "    ~ chloe@example.com: Full Access -> Planner" in lines
    assert "  list Products (P3 Product): added 1 items for 1 users" in lines
    assert "    + anna@example.com LAPTOP: nothing -> write" in lines
    assert "  list Geography (G2 Country): removed 1 items for 1 users" in lines
    assert "    - anna@example.com APAC: read -> nothing" in lines
    code, _ = spoke.reconcile(dry_run=False)
    assert code == 0
    held = spoke.held()
    assert held["access"]["anna@example.com"] == {
        "G2 Country": {"EMEA": "Write"},
        "P3 Product": {"LAPTOP": "Write", "TOTAL": "Read"},
    }
    assert _roles(held)["chloe@example.com"] == "Planner"
    assert spoke.reconcile(dry_run=True)[1][0] == f"spoke {SPOKE}: no drift (3 users compared)"


def test_users_unknown_to_the_resolved_state_are_left_alone(spoke: Spoke, tmp_path: Path) -> None:
    """A member the resolved state does not hold is reported and never given a row."""
    spoke.reconcile(dry_run=False)
    replay = tmp_path / "without-chloe"
    replay.mkdir()
    for name in ("grants.csv", "users.jsonl"):
        (replay / name).write_bytes((spoke.replay / name).read_bytes())
    roles = (spoke.replay / "roles.csv").read_text().splitlines()
    (replay / "roles.csv").write_text("\n".join(r for r in roles if "u-chloe" not in r) + "\n")
    lines: list[str] = []
    run_reconcile(spoke.settings, SPOKE, replay, dry_run=False, force=False, say=lines.append)
    assert any(
        line.startswith("  left alone: 1 users") and "chloe@example.com" in line for line in lines
    )
    assert _roles(spoke.held())["chloe@example.com"] == "Planner"


def test_the_command_line_reports_and_fails_with_a_fix(spoke: Spoke) -> None:
    """`uam reconcile --dry-run` prints the report; an unknown spoke exits 2 naming known ones."""
    runner = CliRunner()
    env = {"UAM_ANAPLAN__PASSWORD": spoke.secret}
    args = ["reconcile", SPOKE, "--config", str(spoke.config), "--state", str(spoke.replay)]
    result = runner.invoke(app, [*args, "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert f"spoke {SPOKE}: drift" in result.output
    result = runner.invoke(app, ["reconcile", "nowhere", "--config", str(spoke.config)], env=env)
    assert result.exit_code == 2
    assert "use one of: sales-emea" in result.output


def test_a_spoke_without_an_export_id_names_the_setting(spoke: Spoke) -> None:
    """Without users_export_id the reconcile stops before any call, naming the setting."""
    bare = spoke.settings.spokes[0].model_copy(update={"users_export_id": None})
    settings = spoke.settings.model_copy(update={"spokes": [bare]})
    with pytest.raises(ReconcileError, match="users_export_id"):
        run_reconcile(settings, SPOKE, spoke.replay, dry_run=True, force=False, say=print)
