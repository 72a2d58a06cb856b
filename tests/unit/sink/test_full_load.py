"""The first run from an empty acknowledged state is the full load `uam replay` writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import VENDORED_EXAMPLE
from tests.unit.sink.conftest import DELTA
from uam_events.generate import EnterpriseShape, write_enterprise
from uam_events.replay import replay_file
from uam_events.settings import Settings, load_settings
from uam_events.sink.coalescing import coalesce
from uam_events.sink.planner import plan
from uam_events.sink.store import MemoryStore


def replayed(config: Path, events: Path, out: Path) -> Settings:
    """Replay an events file into `out`; return its settings."""
    settings = load_settings(config, environ={})
    replay_file(events, settings, out)
    return settings


def assert_full_load_equals_replay(settings: Settings, out: Path) -> None:
    """Fold `out/deltas.jsonl` per spoke, plan once, compare with `out/imports/<spoke>/`."""
    lines = (out / "deltas.jsonl").read_text(encoding="utf-8").splitlines()
    deltas = [DELTA.validate_python(json.loads(line)) for line in lines]
    for spoke in settings.spokes:
        store = MemoryStore()
        store.write(coalesce(store.get, [d for d in deltas if d.spoke == spoke.id]))
        push = plan(spoke, store.users(), settings.anaplan.auth.user)
        folder = out / "imports" / spoke.id
        assert push.users_file().text() == (folder / "users.csv").read_text(encoding="utf-8")
        assert push.text_file().text() == (folder / "access_text.csv").read_text(encoding="utf-8")
        assert not push.revocations
        assert not push.lowered


@pytest.mark.parametrize("seed", [7, 20261120])
def test_the_full_load_equals_replay_for_a_generated_enterprise(tmp_path: Path, seed: int) -> None:
    """A generated enterprise (setup and changes) planned from nothing gives replay's files."""
    config, events = tmp_path / "config.yaml", tmp_path / "events.jsonl"
    write_enterprise(EnterpriseShape.scaled(200), seed, config, events)
    settings = replayed(config, events, tmp_path / "out")
    assert_full_load_equals_replay(settings, tmp_path / "out")


def test_the_full_load_equals_replay_for_the_reference_example(tmp_path: Path) -> None:
    """The shared example planned from nothing gives replay's import files."""
    example = VENDORED_EXAMPLE
    settings = replayed(example / "config.yaml", example / "events.jsonl", tmp_path)
    assert_full_load_equals_replay(settings, tmp_path)


def test_configured_list_columns_reach_replay_and_the_planner_alike(tmp_path: Path) -> None:
    """A spoke with its own import headers gets them in both files."""
    text = (VENDORED_EXAMPLE / "config.yaml").read_text(encoding="utf-8")
    columns = '        columns: {read: "Ctry R", write: "Ctry W", none: "Ctry N"}\n'
    custom = text.replace(
        '        name: "G2 Country"\n', f'        name: "G2 Country"\n{columns}', 1
    )
    assert custom != text
    config = tmp_path / "config.yaml"
    config.write_text(custom, encoding="utf-8")
    settings = replayed(config, VENDORED_EXAMPLE / "events.jsonl", tmp_path / "out")
    header = (tmp_path / "out" / "imports" / "sales-emea" / "users.csv").read_text().split("\n")[0]
    assert header.endswith(",Ctry R,Ctry W,Ctry N")
    assert_full_load_equals_replay(settings, tmp_path / "out")
