"""`uam doctor` against the simulator under uvicorn on 127.0.0.1, seeded from the example.

A healthy seed passes every check; a seed where the integration user is not an administrator,
an import id that is wrong, a column the import lacks and a wrong password each FAIL with a fix.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr
from typer.testing import CliRunner

from uam_events.anaplan.simulator import SimulatorOptions, seed_for_settings, simulator_app
from uam_events.anaplan.simulator.seed import SimulatorSeed
from uam_events.anaplan.simulator.server import serve_in_thread
from uam_events.cli import app
from uam_events.doctor import Check, check_spoke
from uam_events.settings import Settings, load_settings

SPOKE = "sales-emea"
EXPORT = "116000000001"
MEMBERS = ["anna@example.com", "chloe@example.com"]
ITEMS = {"Products": [("TOTAL", "All", None)], "Geography": [("WORLD", "World", None)]}
Doctor = Callable[..., list[Check]]


@pytest.fixture
def settings(example: Path, tmp_path: Path) -> Settings:
    """Return the example's settings with the one spoke `sales-emea` and its Users export."""
    data = yaml.safe_load((example / "config.yaml").read_text())
    data["spokes"] = [dict(s, users_export_id=EXPORT) for s in data["spokes"] if s["id"] == SPOKE]
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(data))
    return load_settings(config, environ={})


def _seed(settings: Settings, secret: str) -> SimulatorSeed:
    """Return a healthy seed for the settings: the integration user administers the workspace."""
    spoke = settings.spokes[0]
    return seed_for_settings(settings, {spoke.workspace_id: MEMBERS}, ITEMS, secret)


@pytest.fixture
def doctor(settings: Settings) -> Doctor:
    """Return a runner: serve a (possibly altered) seed, check the spoke, return the checks."""
    secret = secrets.token_urlsafe(16)

    def run(
        alter: Callable[[dict[str, Any]], None] = lambda seed: None,
        password: str | None = None,
        **spoke_fields: Any,
    ) -> list[Check]:
        raw = _seed(settings, secret).model_dump(mode="json")
        raw["users"][0]["password"] = secret
        alter(raw)
        seed = SimulatorSeed.model_validate(raw)
        with serve_in_thread(simulator_app(seed, SimulatorOptions(task_seconds=0.0))) as url:
            auth = settings.anaplan.auth.model_copy(
                update={"password": SecretStr(password or secret)}
            )
            anaplan = settings.anaplan.model_copy(
                update={"auth_url": url, "api_url": f"{url}/2/0", "auth": auth}
            )
            spoke = settings.spokes[0].model_copy(update=spoke_fields)
            chosen = settings.model_copy(update={"anaplan": anaplan, "spokes": [spoke]})
            return asyncio.run(check_spoke(chosen, spoke))

    return run


def _lines(checks: list[Check]) -> list[str]:
    """Return the checks as printed."""
    return [check.line() for check in checks]


def test_a_healthy_spoke_passes_every_check(doctor: Doctor) -> None:
    """Credentials, both imports with their columns, admin rights and the export are all ok."""
    checks = doctor()
    assert [(c.name, c.ok) for c in checks] == [
        ("credentials", True),
        ("users import 112000000001", True),
        ("access-text import 112000000002", True),
        ("workspace administrator", True),
        ("selective-access read for exports", True),
    ]
    assert checks[-1].detail == f"users export {EXPORT} shows 1 users"


def test_a_non_administrator_fails_with_the_fix(doctor: Doctor, settings: Settings) -> None:
    """Without workspace-admin rights the empty users import fails, and exports are not trusted."""
    user = settings.anaplan.auth.user

    def demote(seed: dict[str, Any]) -> None:
        workspace = seed["workspaces"][0]
        workspace["admins"] = []
        workspace["members"].append(user)

    lines = _lines(doctor(demote))
    assert lines[3] == (
        f"FAIL {SPOKE}: workspace administrator: an empty users import by {user} ended "
        f"unsuccessful; fix: make {user} an administrator of workspace "
        f"{settings.spokes[0].workspace_id} (user imports need it)"
    )
    assert lines[4].startswith(f"FAIL {SPOKE}: selective-access read for exports: {user} is not")
    assert "Read on the top item of each selective-access list (P3 Product, G2 Country)" in lines[4]


def test_a_wrong_import_id_names_the_ids_the_model_has(doctor: Doctor) -> None:
    """An unknown users import id FAILs, listing the model's imports; later checks do not run."""
    lines = _lines(doctor(users_import_id="112000000099"))
    assert len(lines) == 3
    assert lines[1].startswith(f"FAIL {SPOKE}: users import 112000000099: the model has no such")
    assert "112000000001" in lines[1]


def test_a_missing_column_is_named(doctor: Doctor) -> None:
    """A users import without the `G2 Country None` column FAILs naming it."""

    def drop(seed: dict[str, Any]) -> None:
        users = seed["models"][0]["imports"][0]
        users["header_names"].remove("G2 Country None")
        users["sa_columns"] = [c for c in users["sa_columns"] if c["header"] != "G2 Country None"]

    lines = _lines(doctor(drop))
    assert lines[1] == (
        f"FAIL {SPOKE}: users import 112000000001: 'Users and selective access' has no "
        "column 'G2 Country None'; "
        "fix: map these columns in the import (or set lists[].columns to the import's names)"
    )


def test_a_wrong_password_fails_the_credentials_only(doctor: Doctor) -> None:
    """A refused sign-in is one FAIL naming the setting, never the password."""
    wrong = secrets.token_urlsafe(16)
    checks = doctor(password=wrong)
    assert [(c.name, c.ok) for c in checks] == [("credentials", False)]
    assert "anaplan.auth" in checks[0].fix
    assert wrong not in checks[0].line()


def test_the_command_prints_a_line_per_check_and_exits_by_them(
    settings: Settings, example: Path, tmp_path: Path
) -> None:
    """`uam doctor` exits 0 on a healthy seed, 1 when a check fails (a wrong import id)."""
    secret = secrets.token_urlsafe(16)
    seed = _seed(settings, secret)
    with serve_in_thread(simulator_app(seed, SimulatorOptions(task_seconds=0.0))) as url:
        data = yaml.safe_load((example / "config.yaml").read_text())
        data["spokes"] = [s for s in data["spokes"] if s["id"] == SPOKE]
        data["anaplan"].update(auth_url=url, api_url=f"{url}/2/0")
        config = tmp_path / "doctor.yaml"
        config.write_text(yaml.safe_dump(data))
        env = {"UAM_ANAPLAN__PASSWORD": secret}
        result = CliRunner().invoke(app, ["doctor", "--config", str(config)], env=env)
        assert result.exit_code == 0, result.output
        assert len(result.output.splitlines()) == 5
        data["spokes"][0]["access_text_import_id"] = "112000000077"
        config.write_text(yaml.safe_dump(data))
        result = CliRunner().invoke(app, ["doctor", "--config", str(config)], env=env)
        assert result.exit_code == 1, result.output
        assert "FAIL sales-emea: access-text import 112000000077" in result.output
