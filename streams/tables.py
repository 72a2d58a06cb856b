"""Each partition's checkpoint in a Faust RocksDB table (rocksdict) with a changelog topic.

Protocol, per batch of one partition (`save`), so that a crash at any point loses nothing:
1. the batch's outputs were already flushed to Kafka by the caller;
2. the journal: every changed entry, framed into parts, then a marker naming the checkpoint
   number and the number of parts; journal and marker go to the same changelog partition,
   in order, so a marker is never seen without its parts;
3. the entries themselves, locally and to the changelog;
4. the caller flushes the publisher (every changelog record acknowledged), `settle` records
   the changelog offsets Faust's recovery starts from, and the caller acks the batch.
The changelog goes through the workers' librdkafka publisher, not Faust's producer: awaiting
Faust's send per entry took more time than applying the batch (bench/pipeline.py, 2026-11-23).
On recovery (`load`) the entries are read and the journal named by the marker is laid over
them: the partition is back exactly where that checkpoint left it. A crash before the marker landed
leaves the previous checkpoint, and the batch is processed again to the same deltas (the same
`seq`s), which consumers drop.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from typing import Any

from faust.types import TP

from uam_events.checkpoint import Entries
from uam_events.publisher import Publisher

JOURNAL = b"~journal/"
MARKER = b"~marker"
PART_BYTES = 512 * 1024
"""Largest journal part: well under Kafka's default 1 MiB message limit."""

_LEN = struct.Struct(">I")
_NULL = 0xFFFFFFFF


class CheckpointTable:
    """The checkpoint of every partition this worker holds, over one Faust table."""

    def __init__(self, table: Any, publisher: Publisher) -> None:
        self.table = table
        self.publisher = publisher
        self._offsets: dict[int, int] = {}
        """The last changelog offset delivered per partition, not yet recorded."""

    def _db(self, partition: int) -> Any:
        # Faust's RocksDB store keeps one rocksdict database per partition; writing to it
        # directly avoids Faust's "current event" lookup, which is ambiguous in a batch.
        return self.table.data._db_for_partition(partition)

    def save(self, partition: int, version: int, entries: Entries) -> None:
        """Write a batch's entries (None deletes) as checkpoint number `version`."""
        parts = list(_frame(entries))
        for index, part in enumerate(parts):
            self._put(partition, JOURNAL + str(index).encode(), _LEN.pack(version) + part)
        marker = json.dumps({"version": version, "parts": len(parts)}).encode()
        self._put(partition, MARKER, marker)
        for key, value in entries.items():
            self._put(partition, key, value)

    def settle(self) -> None:
        """Record the changelog offsets delivered (call after the publisher's flush).

        Faust's recovery reads a partition's changelog from the offset recorded in its
        database, so a restart on the same disk reads only what it does not have.
        """
        offsets, self._offsets = self._offsets, {}
        topic = self.table.changelog_topic.get_topic_name()
        for partition, offset in offsets.items():
            self.table.data.set_persisted_offset(TP(topic, partition), offset)

    def load(self, partition: int) -> tuple[int, list[tuple[bytes, bytes]]]:
        """Return the last checkpoint number (-1 if none) and every entry, as of then."""
        db = self._db(partition)
        entries: dict[bytes, bytes] = {}
        journal: dict[bytes, bytes] = {}
        marker: bytes | None = None
        for key, value in db.items():
            if key == MARKER:
                marker = value
            elif key.startswith(JOURNAL):
                journal[key] = value
            elif not key.startswith(b"__faust"):
                entries[key] = value
        if marker is None:
            return -1, sorted(entries.items())
        mark = json.loads(marker)
        version = int(mark["version"])
        for index in range(int(mark["parts"])):
            part = journal.get(JOURNAL + str(index).encode())
            if part is None or _LEN.unpack_from(part)[0] != version:
                return version, sorted(entries.items())
            for key, value in _unframe(part[_LEN.size :]):
                if value is None:
                    entries.pop(key, None)
                else:
                    entries[key] = value
        return version, sorted(entries.items())

    def _put(self, partition: int, key: bytes, value: bytes | None) -> None:
        db = self._db(partition)
        if value is None:
            db.delete(key)
        else:
            db.put(key, value)
        self.publisher.send(
            self.table.changelog_topic.get_topic_name(),
            key,
            value,
            partition=partition,
            delivered=self._delivered,
        )

    def _delivered(self, partition: int, offset: int) -> None:
        self._offsets[partition] = max(offset, self._offsets.get(partition, -1))


def _frame(entries: Entries) -> Iterator[bytes]:
    part = bytearray()
    for key, value in entries.items():
        record = _LEN.pack(len(key)) + key
        record += _LEN.pack(_NULL) if value is None else _LEN.pack(len(value)) + value
        if part and len(part) + len(record) > PART_BYTES:
            yield bytes(part)
            part = bytearray()
        part += record
    if part:
        yield bytes(part)


def _unframe(part: bytes) -> Iterator[tuple[bytes, bytes | None]]:
    at = 0
    while at < len(part):
        (klen,) = _LEN.unpack_from(part, at)
        key = part[at + 4 : at + 4 + klen]
        at += 4 + klen
        (vlen,) = _LEN.unpack_from(part, at)
        at += 4
        if vlen == _NULL:
            yield key, None
        else:
            yield key, part[at : at + vlen]
            at += vlen
