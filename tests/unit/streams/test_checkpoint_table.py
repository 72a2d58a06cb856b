"""The checkpoint table's journal, on a real rocksdict database; acks of in-flight events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from rocksdict import Options, Rdict

from streams.headers import event_time, read_headers
from streams.runs import PartitionRun
from streams.tables import MARKER, CheckpointTable
from uam_events.chain import Chain


@dataclass
class Changelog:
    """Stands in for the changelog topic: keeps what was sent, in order."""

    sent: list[tuple[int, bytes, bytes | None]] = field(default_factory=list)

    async def send(self, *, key: bytes, value: bytes | None, partition: int, **_: Any) -> None:
        """Record one changelog write."""
        self.sent.append((partition, key, value))


class Store:
    """Stands in for Faust's RocksDB store: one real rocksdict database per partition."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.dbs: dict[int, Rdict] = {}

    def _db_for_partition(self, partition: int) -> Rdict:
        if partition not in self.dbs:
            path = str(self.folder / f"p{partition}")
            self.dbs[partition] = Rdict(path, Options(raw_mode=True))
        return self.dbs[partition]


class Table:
    """Stands in for the Faust table around the store."""

    def __init__(self, folder: Path) -> None:
        self.data = Store(folder)
        self.changelog_topic = Changelog()

    def _on_changelog_sent(self, _: object) -> None:
        """Faust's callback; nothing to do here."""


def test_a_saved_checkpoint_loads_back(tmp_path: Path) -> None:
    """Entries saved (deletes included) load back, with the checkpoint number."""
    table = CheckpointTable(Table(tmp_path))
    asyncio.run(table.save(2, 1, {b"u/a": b"1", b"u/b": b"2"}))
    asyncio.run(table.save(2, 2, {b"u/a": None, b"u/c": b"3"}))
    assert table.load(2) == (2, [(b"u/b", b"2"), (b"u/c", b"3")])
    assert table.load(0) == (-1, [])


def test_the_journal_completes_a_checkpoint_cut_short(tmp_path: Path) -> None:
    """A crash after the marker but before the entries: the journal supplies them."""
    fake = Table(tmp_path)
    table = CheckpointTable(fake)
    asyncio.run(table.save(0, 1, {b"u/a": b"old"}))
    asyncio.run(table.save(0, 2, {b"u/a": b"new", b"u/b": b"b"}))
    db = fake.data._db_for_partition(0)
    db.put(b"u/a", b"old")  # the entry writes of checkpoint 2 never landed
    db.delete(b"u/b")
    assert table.load(0) == (2, [(b"u/a", b"new"), (b"u/b", b"b")])


def test_the_marker_follows_the_journal_on_the_changelog(tmp_path: Path) -> None:
    """On the changelog the journal parts come first, then the marker, then the entries."""
    fake = Table(tmp_path)
    asyncio.run(CheckpointTable(fake).save(1, 1, {b"u/a": b"1"}))
    keys = [key for _, key, _ in fake.changelog_topic.sent]
    assert keys == [b"~journal/0", MARKER, b"u/a"]


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
