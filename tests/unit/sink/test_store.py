"""One conformance suite for both sink stores: the dict one and RocksDB through rocksdict."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rocksdict import Options, Rdict

from tests.unit.sink.conftest import state
from uam_events.core.levels import Level
from uam_events.errors import RecoveryError
from uam_events.sink.guard import OPEN, GuardState
from uam_events.sink.state import UNTRACKED, Parked, RowKey, Tracked
from uam_events.sink.store import MemoryStore, RocksStore, SinkStore

PARKED = {RowKey("access", "P", "A"): Parked("read", 2, "item not found", quarantined=True)}
RECORD = Tracked(state("u1", text="P Prod: read A", A=Level.READ), state("u1"), PARKED)


@pytest.fixture(params=["memory", "rocksdb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SinkStore]:
    """Yield an empty store of each kind."""
    if request.param == "memory":
        yield MemoryStore()
        return
    rocks = RocksStore(tmp_path / "sink-s1")
    yield rocks
    rocks.close()


class TestSinkStore:
    """What every sink store does."""

    def test_an_unknown_user_reads_as_untracked(self, store: SinkStore) -> None:
        """A user never written has empty desired and acknowledged states."""
        assert store.get("nobody") == UNTRACKED

    def test_a_record_reads_back_equal(self, store: SinkStore) -> None:
        """Desired, acknowledged and parked keys survive a write."""
        store.write({"u1": RECORD})
        assert store.get("u1") == RECORD

    def test_users_come_in_code_point_order(self, store: SinkStore) -> None:
        """Listing is sorted by user id, non-ASCII ids after ASCII ones."""
        store.write({"é": UNTRACKED, "b": RECORD, "a": UNTRACKED, "B": UNTRACKED})
        assert [user_id for user_id, _ in store.users()] == ["B", "a", "b", "é"]

    def test_the_guard_is_open_until_written(self, store: SinkStore) -> None:
        """A new store has no held push; a written guard reads back."""
        assert store.guard() == OPEN
        held = GuardState("abc", frozenset({"u1", "u2"}), frozenset({"u3"}))
        store.write({}, held)
        assert store.guard() == held

    def test_a_write_without_a_guard_keeps_it(self, store: SinkStore) -> None:
        """Records written alone leave the guard as it was."""
        held = GuardState("abc", frozenset({"u1"}))
        store.write({"u1": RECORD}, held)
        store.write({"u1": UNTRACKED})
        assert store.guard() == held
        assert store.get("u1") == UNTRACKED


def test_a_rocksdb_store_reopens_with_its_records(tmp_path: Path) -> None:
    """What a run wrote is there after a restart."""
    first = RocksStore(tmp_path / "s1")
    first.write({"u1": RECORD}, GuardState(None, frozenset(), frozenset({"u9"})))
    first.close()
    second = RocksStore(tmp_path / "s1")
    assert second.get("u1") == RECORD
    assert second.guard().released == {"u9"}
    second.close()


def test_an_unreadable_record_says_how_to_rebuild(tmp_path: Path) -> None:
    """A corrupt value is a RecoveryError naming the fix, not a crash in pydantic."""
    db = Rdict(str(tmp_path / "s1"), Options(raw_mode=True))
    db[b"u/u1"] = b"{not json"
    db.close()
    store = RocksStore(tmp_path / "s1")
    with pytest.raises(RecoveryError, match="fix: delete the spoke's sink store folder"):
        store.get("u1")
    store.close()
