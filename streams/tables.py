"""Each partition's checkpoint in a Faust RocksDB table (rocksdict) with a changelog topic.

Protocol, per batch of one partition (`save`), so that a crash at any point loses nothing:
1. the batch's outputs were already flushed to Kafka by the caller;
2. the journal: every changed entry, framed into parts, then a marker naming the checkpoint
   number and the number of parts; journal and marker go to the same changelog partition,
   in order, so a marker is never seen without its parts;
3. the entries themselves, locally and to the changelog;
4. the caller acks the batch; Faust flushes the producer before it commits offsets.
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

from uam_events.checkpoint import Entries

JOURNAL = b"~journal/"
MARKER = b"~marker"
PART_BYTES = 512 * 1024
"""Largest journal part: well under Kafka's default 1 MiB message limit."""

_LEN = struct.Struct(">I")
_NULL = 0xFFFFFFFF


class CheckpointTable:
    """The checkpoint of every partition this worker holds, over one Faust table."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def _db(self, partition: int) -> Any:
        # Faust's RocksDB store keeps one rocksdict database per partition; writing to it
        # directly avoids Faust's "current event" lookup, which is ambiguous in a batch.
        return self.table.data._db_for_partition(partition)

    async def save(self, partition: int, version: int, entries: Entries) -> None:
        """Write a batch's entries (None deletes) as checkpoint number `version`."""
        parts = list(_frame(entries))
        for index, part in enumerate(parts):
            await self._put(partition, JOURNAL + str(index).encode(), _LEN.pack(version) + part)
        marker = json.dumps({"version": version, "parts": len(parts)}).encode()
        await self._put(partition, MARKER, marker)
        for key, value in entries.items():
            await self._put(partition, key, value)

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

    async def _put(self, partition: int, key: bytes, value: bytes | None) -> None:
        db = self._db(partition)
        if value is None:
            db.delete(key)
        else:
            db.put(key, value)
        await self.table.changelog_topic.send(
            key=key,
            value=value,
            partition=partition,
            key_serializer="raw",
            value_serializer="raw",
            callback=self.table._on_changelog_sent,
        )


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
