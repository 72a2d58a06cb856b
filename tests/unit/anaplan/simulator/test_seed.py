"""Seed files: read with clear errors that never echo a password; written with secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from uam_events.anaplan.simulator.seed import SimulatorSeed, read_seed, seed_json
from uam_events.cli import app
from uam_events.errors import SimulatorError

Seeder = Callable[..., tuple[SimulatorSeed, str]]


def test_a_seed_round_trips_through_a_file_with_its_passwords(
    tenant_seed: Seeder, tmp_path: Path
) -> None:
    """seed_json reveals passwords so that read_seed gets the same seed back."""
    seed, secret = tenant_seed()
    path = tmp_path / "seed.json"
    path.write_text(seed_json(seed))
    again = read_seed(path)
    assert again == seed
    assert again.users[0].password is not None
    assert again.users[0].password.get_secret_value() == secret


def test_a_bad_seed_names_the_field_and_hides_the_password(
    tmp_path: Path, password: Callable[[], str]
) -> None:
    """A wrong field is named; the password in the same file never shows."""
    secret = password()
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"users": [{"email": "a@x.com", "password": secret, "age": 3}]}))
    with pytest.raises(SimulatorError, match=r"users\.0\.age") as caught:
        read_seed(path)
    assert secret not in str(caught.value)


def test_uam_simulator_reports_an_unreadable_seed(tmp_path: Path) -> None:
    """The command exits 2 with the reason when the seed file is missing."""
    result = CliRunner().invoke(app, ["simulator", "--seed", str(tmp_path / "none.json")])
    assert result.exit_code == 2
    assert "cannot be read" in result.output
