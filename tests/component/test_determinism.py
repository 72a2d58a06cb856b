"""Replays are byte-deterministic across processes, whatever Python's hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import VENDORED_EXAMPLE
from uam_events.generate import EnterpriseShape, write_enterprise


def replay_in_subprocess(events: Path, config: Path, out: Path, hash_seed: str) -> None:
    """Run `uam replay` in a fresh interpreter with a given PYTHONHASHSEED."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    command = [sys.executable, "-m", "uam_events.cli", "replay", str(events)]
    command += ["--config", str(config), "--out", str(out), "--effective"]
    subprocess.run(command, check=True, env=env, capture_output=True, timeout=300)


def files_of(folder: Path) -> dict[str, bytes]:
    """Return every file under a folder by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def assert_same_bytes(events: Path, config: Path, tmp: Path) -> None:
    """Replay twice under different hash seeds and compare every output file."""
    replay_in_subprocess(events, config, tmp / "a", "1")
    replay_in_subprocess(events, config, tmp / "b", "2")
    first, second = files_of(tmp / "a"), files_of(tmp / "b")
    assert first.keys() == second.keys()
    for name, content in first.items():
        assert content == second[name], name


def test_the_example_replays_to_the_same_bytes_under_two_hash_seeds(tmp_path: Path) -> None:
    """The reference example gives identical files in two processes."""
    assert_same_bytes(VENDORED_EXAMPLE / "events.jsonl", VENDORED_EXAMPLE / "config.yaml", tmp_path)


@pytest.mark.slow
@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000))
def test_generated_enterprises_replay_to_the_same_bytes(
    seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Any seeded enterprise (with changes and malformed lines) replays to identical bytes."""
    folder = tmp_path_factory.mktemp(f"seed{seed}")
    shape = EnterpriseShape.scaled(150)
    write_enterprise(shape, seed, folder / "config.yaml", folder / "events.jsonl")
    assert_same_bytes(folder / "events.jsonl", folder / "config.yaml", folder)
