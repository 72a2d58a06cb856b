"""A simulated tenant built from replays: the configured spokes with their members and items."""

from __future__ import annotations

import secrets
from pathlib import Path

from typer.testing import CliRunner

from uam_events.cli import app
from uam_events.estate import seed_from_replays
from uam_events.replay import replay_file
from uam_events.settings import load_settings


def test_a_tenant_from_the_example_replay_holds_each_spoke(example: Path, tmp_path: Path) -> None:
    """One model per spoke, its lists' items, the roles and the members of each workspace."""
    settings = load_settings(example / "config.yaml")
    replay_file(example / "events.jsonl", settings, tmp_path / "out")
    seed = seed_from_replays(settings, tmp_path / "out", password=secrets.token_urlsafe(16))
    assert sorted(m.id for m in seed.models) == sorted(s.model_id for s in settings.spokes)
    for spoke in settings.spokes:
        (model,) = [m for m in seed.models if m.id == spoke.model_id]
        assert {spoke.default_role, spoke.no_access_role} <= set(model.roles)
        assert {entry.name for entry in spoke.lists} <= {lst.name for lst in model.lists}
        (workspace,) = [w for w in seed.workspaces if w.id == spoke.workspace_id]
        assert settings.anaplan.auth.user in workspace.admins
        assert len(workspace.members) > 1


def test_the_simulator_command_wants_config_and_replay_together(example: Path) -> None:
    """`uam simulator --config` without `--replay` is refused with the fix, serving nothing."""
    result = CliRunner().invoke(app, ["simulator", "--config", str(example / "config.yaml")])
    assert result.exit_code != 0
    assert "--replay" in result.output
