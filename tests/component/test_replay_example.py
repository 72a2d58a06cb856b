"""`uam replay` on the reference example gives exactly the expected files (DESIGN section 7)."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SHARED_EXAMPLE, VENDORED_EXAMPLE
from uam_events.cli import app
from uam_events.replay import replay_file
from uam_events.settings import load_settings


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Replay the example once, with effective levels."""
    out = tmp_path_factory.mktemp("example")
    settings = load_settings(VENDORED_EXAMPLE / "config.yaml")
    replay_file(VENDORED_EXAMPLE / "events.jsonl", settings, out, effective=True)
    return out


@pytest.mark.parametrize(
    "name", ["grants.csv", "effective.csv", "roles.csv", "users.jsonl", "audit.jsonl"]
)
def test_replay_output_equals_the_expected_file(replayed: Path, name: str) -> None:
    """Each expected file is reproduced byte for byte."""
    expected = (VENDORED_EXAMPLE / "expected" / name).read_text(encoding="utf-8")
    assert (replayed / name).read_text(encoding="utf-8") == expected


def test_the_dead_letter_count_is_the_expected_one(replayed: Path) -> None:
    """Three lines of the example are dead-lettered, each with its reason and bytes."""
    lines = (replayed / "dlq.jsonl").read_text(encoding="utf-8").splitlines()
    expected = int((VENDORED_EXAMPLE / "expected" / "dlq_count.txt").read_text().strip())
    assert len(lines) == expected
    records = [json.loads(line) for line in lines]
    assert [r["offset"] for r in records] == [31, 33, 34]
    assert all(r["value_b64"] and r["error"] and "fix:" in r["error"] for r in records)
    assert records[0]["topic"] == "uam.hub.hierarchies"


def test_the_vendored_example_matches_the_shared_one() -> None:
    """The copy under tests/data is the shared contract's example, unchanged."""
    if not SHARED_EXAMPLE.is_dir():
        pytest.skip("no ../shared/examples beside this checkout")
    comparison = filecmp.dircmp(SHARED_EXAMPLE, VENDORED_EXAMPLE)
    assert not comparison.diff_files
    assert not comparison.subdirs["expected"].diff_files
    assert not comparison.left_only


def test_two_replays_are_byte_identical(replayed: Path, tmp_path: Path) -> None:
    """Same inputs, same bytes: every file of a second run equals the first."""
    settings = load_settings(VENDORED_EXAMPLE / "config.yaml")
    replay_file(VENDORED_EXAMPLE / "events.jsonl", settings, tmp_path, effective=True)
    first = sorted(p.relative_to(replayed) for p in replayed.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert first == second
    for path in first:
        assert (replayed / path).read_bytes() == (tmp_path / path).read_bytes(), path


def test_the_full_load_import_never_names_the_integration_user(replayed: Path) -> None:
    """The users import has one item per row and no integration user."""
    rows = (replayed / "imports" / "sales-emea" / "users.csv").read_text().splitlines()
    assert rows[0] == (
        "Email Address,Model Role,P3 Product Read,P3 Product Write,P3 Product None,"
        "G2 Country Read,G2 Country Write,G2 Country None"
    )
    assert "anna@example.com,Planner,,,,,EMEA," in rows
    assert "anna@example.com,Planner,,LAPTOP,,,," in rows
    assert "ben@example.com,No Access,,,,,," in rows
    assert not any(r.startswith("integration@") for r in rows)


def test_the_cli_replays_and_explains(replayed: Path, tmp_path: Path) -> None:
    """`uam replay`, `uam explain` and `uam compare` work from the command line."""
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "replay",
            str(VENDORED_EXAMPLE / "events.jsonl"),
            "--config",
            str(VENDORED_EXAMPLE / "config.yaml"),
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 dead letters" in result.output
    explained = runner.invoke(
        app,
        [
            "explain",
            "u-anna",
            "--spoke",
            "sales-emea",
            "--out",
            str(tmp_path),
            "--item",
            "Products/PHONE",
        ],
    )
    assert explained.exit_code == 0, explained.output
    assert "read, carried by TOTAL, because rule r-sales-products via TOTAL" in explained.output
    compared = runner.invoke(
        app, ["compare", "u-anna", "u-ben", "--spoke", "sales-emea", "--out", str(tmp_path)]
    )
    assert compared.exit_code == 0, compared.output
    assert "Products: partial" in compared.output
    assert "LAPTOP: u-anna write, u-ben none" in compared.output


def test_replay_refuses_a_missing_events_file(tmp_path: Path) -> None:
    """A missing file is an error that names it, with exit code 2."""
    result = CliRunner().invoke(
        app,
        [
            "replay",
            str(tmp_path / "nope.jsonl"),
            "--config",
            str(VENDORED_EXAMPLE / "config.yaml"),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2
    assert "nope.jsonl" in result.output


def test_config_check_passes_the_example_and_names_each_error(tmp_path: Path) -> None:
    """`uam config check` accepts the reference config and reports a bad one by path and fix."""
    runner = CliRunner()
    ok = runner.invoke(app, ["config", "check", str(VENDORED_EXAMPLE / "config.yaml")])
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.yaml"
    text = (VENDORED_EXAMPLE / "config.yaml").read_text().replace('every: "10m"', 'every: "10x"')
    bad.write_text(text)
    result = runner.invoke(app, ["config", "check", str(bad)])
    assert result.exit_code == 1
    assert "spokes[0].schedule.every" in result.output
    assert "fix:" in result.output
