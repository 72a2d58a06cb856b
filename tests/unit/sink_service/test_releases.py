"""Release requests: written only for the push held, read back by the sink, atomically."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from uam_events.errors import NoSuchHeldPush, SinkError
from uam_events.sink.guard import GuardState
from uam_events.sink.store import RocksStore
from uam_events.sink_service.releases import pending_releases, request_release, spoke_folder

AT = datetime(2026, 11, 20, 8, tzinfo=UTC)


def sink_folder(tmp_path: Path, held: str | None) -> Path:
    """Return a sink data folder whose spoke s1 stores a guard holding `held`."""
    store = RocksStore(spoke_folder(tmp_path, "s1"))
    store.write({}, GuardState(held, frozenset({"u1"}) if held else frozenset()))
    store.close()
    return tmp_path


def test_a_release_names_the_push_held_and_reads_back(tmp_path: Path) -> None:
    """The request carries the held push id and the sink reads it back as written."""
    datadir = sink_folder(tmp_path, "abc123")
    request = request_release(datadir, "s1", "ops", AT)
    assert request.push_id == "abc123"
    assert pending_releases(datadir) == [(datadir / "releases" / "s1.json", request)]
    assert not list((datadir / "releases").glob(".*"))


def test_a_release_is_read_beside_a_running_sink(tmp_path: Path) -> None:
    """The store is opened read-only, so a sink holding it open does not block the release."""
    datadir = sink_folder(tmp_path, "abc123")
    running = RocksStore(spoke_folder(datadir, "s1"))
    try:
        assert request_release(datadir, "s1", "ops", AT, push_id="abc123").push_id == "abc123"
    finally:
        running.close()


@pytest.mark.parametrize(
    ("held", "asked"),
    [
        pytest.param(None, None, id="nothing held"),
        pytest.param("abc123", "other", id="another push held"),
    ],
)
def test_a_release_of_no_held_push_is_refused(
    tmp_path: Path, held: str | None, asked: str | None
) -> None:
    """Nothing held, or another push held than the one named: refused, no file written."""
    datadir = sink_folder(tmp_path, held)
    with pytest.raises(NoSuchHeldPush):
        request_release(datadir, "s1", "ops", AT, push_id=asked)
    assert pending_releases(datadir) == []


def test_a_release_without_a_store_names_the_datadir(tmp_path: Path) -> None:
    """A data folder with no store for the spoke is an operator error naming --datadir."""
    with pytest.raises(SinkError, match="--datadir"):
        request_release(tmp_path, "s1", "ops", AT)


def test_an_unreadable_request_is_reported_as_none(tmp_path: Path) -> None:
    """A file that is no release request comes back as None, for the sink to drop."""
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "s1.json").write_text("{not json")
    assert pending_releases(tmp_path) == [(tmp_path / "releases" / "s1.json", None)]
