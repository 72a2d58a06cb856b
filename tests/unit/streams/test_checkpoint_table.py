"""The checkpoint table's journal, on a real rocksdict database; acks of in-flight events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from faust.types import TP
from rocksdict import Options, Rdict

from streams.headers import event_time, read_headers
from streams.runs import Admission, PartitionRun
from streams.tables import MARKER, CheckpointTable
from uam_events.chain import Chain


@dataclass
class Changelog:
    """Stands in for the publisher: keeps what was sent to the changelog, in order."""

    sent: list[tuple[int, bytes, bytes | None]] = field(default_factory=list)

    def send(
        self,
        topic: str,
        key: bytes,
        value: bytes | None,
        *,
        partition: int,
        delivered: Callable[[int, int], None],
    ) -> None:
        """Record one changelog write and report it delivered at the next offset."""
        assert topic == "workers-checkpoint-changelog"
        self.sent.append((partition, key, value))
        delivered(partition, len(self.sent) - 1)


class Store:
    """Stands in for Faust's RocksDB store: one real rocksdict database per partition."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.dbs: dict[int, Rdict] = {}
        self.persisted: dict[int, int] = {}

    def _db_for_partition(self, partition: int) -> Rdict:
        if partition not in self.dbs:
            path = str(self.folder / f"p{partition}")
            self.dbs[partition] = Rdict(path, Options(raw_mode=True))
        return self.dbs[partition]

    def set_persisted_offset(self, tp: TP, offset: int) -> None:
        """Remember the changelog offset recorded for a partition."""
        self.persisted[tp.partition] = offset


class Topic:
    """Stands in for the table's changelog topic: only its name is read."""

    def get_topic_name(self) -> str:
        """Return the changelog topic's name."""
        return "workers-checkpoint-changelog"


class Table:
    """Stands in for the Faust table around the store."""

    def __init__(self, folder: Path) -> None:
        self.data = Store(folder)
        self.changelog_topic = Topic()


def checkpoints(fake: Table) -> tuple[CheckpointTable, Changelog]:
    """Return a checkpoint table over a fake Faust table, and its changelog."""
    changelog = Changelog()
    return CheckpointTable(fake, cast(Any, changelog)), changelog


def test_a_saved_checkpoint_loads_back(tmp_path: Path) -> None:
    """Entries saved (deletes included) load back, with the checkpoint number."""
    table, _ = checkpoints(Table(tmp_path))
    table.save(2, 1, {b"u/a": b"1", b"u/b": b"2"})
    table.save(2, 2, {b"u/a": None, b"u/c": b"3"})
    assert table.load(2) == (2, [(b"u/b", b"2"), (b"u/c", b"3")])
    assert table.load(0) == (-1, [])


def test_the_journal_completes_a_checkpoint_cut_short(tmp_path: Path) -> None:
    """A crash after the marker but before the entries: the journal supplies them."""
    fake = Table(tmp_path)
    table, _ = checkpoints(fake)
    table.save(0, 1, {b"u/a": b"old"})
    table.save(0, 2, {b"u/a": b"new", b"u/b": b"b"})
    db = fake.data._db_for_partition(0)
    db.put(b"u/a", b"old")  # the entry writes of checkpoint 2 never landed
    db.delete(b"u/b")
    assert table.load(0) == (2, [(b"u/a", b"new"), (b"u/b", b"b")])


def test_the_marker_follows_the_journal_on_the_changelog(tmp_path: Path) -> None:
    """On the changelog the journal parts come first, then the marker, then the entries."""
    table, changelog = checkpoints(Table(tmp_path))
    table.save(1, 1, {b"u/a": b"1"})
    keys = [key for _, key, _ in changelog.sent]
    assert keys == [b"~journal/0", MARKER, b"u/a"]


def test_settling_records_the_last_changelog_offset_per_partition(tmp_path: Path) -> None:
    """After the flush, each partition's last delivered changelog offset is recorded once."""
    fake = Table(tmp_path)
    table, _ = checkpoints(fake)
    table.save(1, 1, {b"u/a": b"1"})
    table.save(2, 1, {b"u/b": b"2", b"u/c": b"3"})
    assert fake.data.persisted == {}
    table.settle()
    assert fake.data.persisted == {1: 2, 2: 6}
    table.settle()
    assert fake.data.persisted == {1: 2, 2: 6}


@dataclass
class Message:
    """The part of a Kafka message the run looks at."""

    offset: int


@dataclass
class Event:
    """The part of a Faust event the run looks at."""

    message: Message


def test_only_an_unbroken_head_is_acked() -> None:
    """A finished event after an unfinished one waits; a second delivery is acked with it."""
    run = PartitionRun(processor=cast(Any, None), chain=Chain(0), version=-1, origins={})
    first, second, again = Event(Message(5)), Event(Message(6)), Event(Message(6))
    assert run.receive(first)
    assert run.receive(second)
    assert not run.receive(again)
    run.finish(second)
    assert run.ackable() == []
    run.finish(first)
    assert run.ackable() == [first, second, again]


def test_headers_and_event_times() -> None:
    """Headers read from pairs or a mapping; a timestamp reads as ISO 8601 with milliseconds."""
    assert read_headers([("a", b"1")]) == read_headers({"a": b"1"}) == {"a": b"1"}
    assert event_time(1_700_000_000.5) == "2023-11-14T22:13:20.500Z"


def new_run(start: int | None = None) -> PartitionRun:
    """Return an empty run whose checkpoint left off at `start`."""
    run = PartitionRun(processor=cast(Any, None), chain=Chain(0), version=-1, origins={})
    run.start = start
    return run


def test_a_delivery_past_the_checkpoint_seeks_back_once_then_drops() -> None:
    """Past the checkpoint's next unfinished offset: seek once, drop until it comes again."""
    run = new_run(start=10)
    assert run.admit(14) is Admission.SEEK
    assert run.admit(15) is Admission.DROP
    assert run.admit(10) is Admission.RECEIVE
    assert run.admit(16) is Admission.RECEIVE
    assert run.start is None


def test_a_run_stops_seeking_when_the_records_are_gone() -> None:
    """Told the sought records are gone, the run receives what comes."""
    run = new_run(start=10)
    assert run.admit(14) is Admission.SEEK
    run.stop_seeking()
    assert run.admit(15) is Admission.RECEIVE


def test_a_delivery_at_or_before_the_checkpoint_is_received() -> None:
    """Records the checkpoint already covers come again and are received (then deduplicated)."""
    assert new_run(start=10).admit(7) is Admission.RECEIVE
    assert new_run(start=None).admit(500) is Admission.RECEIVE


def test_the_next_offset_is_the_first_unfinished_one() -> None:
    """The checkpoint records the first unfinished offset, else the one after the highest."""
    run = new_run(start=3)
    assert run.next_offset() == 3
    events = [Event(Message(offset)) for offset in (3, 4, 5)]
    for event in events:
        run.receive(event)
    run.finish(events[0])
    run.finish(events[2])
    assert run.next_offset() == 4
    run.finish(events[1])
    assert run.next_offset() == 6
