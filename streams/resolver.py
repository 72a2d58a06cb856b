"""The resolver: one deterministic state machine per partition of the change topic.

Each batch is applied partition by partition through the same `Processor` as `uam replay`;
its outputs (deltas, state records, audit, dead letters, commands travelling on) are flushed
to Kafka, then the partition's checkpoint is saved, then the batch is acked (see `tables.py`
for why that order loses nothing). A change record already applied, by change offset or by
its origin, is skipped: that is how a restart or a router retry leaves no duplicate behind.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from streams import headers as h
from streams.tables import CheckpointTable
from uam_events.checkpoint import changed_entries, recover
from uam_events.core.deltas import state_json
from uam_events.core.values import JsonObject
from uam_events.errors import InputError
from uam_events.inputs import Record
from uam_events.partition import Origin, Output, Processor, facts_from_json, facts_to_json
from uam_events.settings import Settings
from uam_events.topics import access_topic, input_topics, state_topic

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PartitionRun:
    """A partition held by this worker: its processor and how far it has got."""

    processor: Processor
    offset: int
    origins: dict[str, int]
    dirty_origins: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class ResolverStats:
    """Counts for the metrics and the health view."""

    applied: int = 0
    skipped: int = 0
    deltas: int = 0
    dead_letters: int = 0
    recoveries: list[tuple[int, float]] = field(default_factory=list)


class Resolver:
    """Apply change records per partition and publish what they produce."""

    def __init__(self, settings: Settings, topics: dict[str, Any], table: CheckpointTable) -> None:
        self.settings = settings
        self.topics = topics
        self.table = table
        self.partitions = settings.kafka.partitions
        self.short = input_topics(settings)
        self.held: dict[int, PartitionRun] = {}
        self.stats = ResolverStats()

    async def resolve(self, stream: Any, producer: Any, batch: int = 500) -> None:
        """Agent body: take batches, apply them, flush outputs, save checkpoints, ack."""
        async for events in stream.take_events(batch, within=0.05):
            touched: dict[int, PartitionRun] = {}
            for event in events:
                partition = event.message.partition
                run = touched.get(partition) or self._run(partition)
                touched[partition] = run
                self._apply(run, event)
            await producer.flush()
            for partition, run in touched.items():
                self._save(partition, run)

    def forget(self, partitions: set[int]) -> None:
        """Drop the partitions this worker no longer holds (after a rebalance)."""
        for partition in partitions:
            self.held.pop(partition, None)

    def _run(self, partition: int) -> PartitionRun:
        run = self.held.get(partition)
        if run is None:
            started = time.perf_counter()
            offset, entries = self.table.load(partition)
            recovered = recover(self.settings, entries)
            processor = Processor(
                self.settings,
                recovered.engine,
                partition=partition,
                partitions=self.partitions,
            )
            run = self.held[partition] = PartitionRun(processor, offset, recovered.origins)
            seconds = time.perf_counter() - started
            self.stats.recoveries.append((partition, seconds))
            log.info(
                "partition %d recovered at change offset %d (%d entries) in %.2f s",
                partition,
                offset,
                len(entries),
                seconds,
            )
        return run

    def _apply(self, run: PartitionRun, event: Any) -> None:
        msg = event.message
        if msg.offset <= run.offset:
            self.stats.skipped += 1
            return
        run.offset = msg.offset
        headers = h.read_headers(msg.headers)
        topic, partition, offset = headers[h.ORIGIN].decode().rsplit(":", 2)
        path = headers.get(h.PATH, b"").decode()
        origin_key = f"{topic}:{partition}" + (f"<{path}" if path else "")
        if run.origins.get(origin_key, -1) >= int(offset):
            self.stats.skipped += 1
            return
        run.origins[origin_key] = run.dirty_origins[origin_key] = int(offset)
        key = None if msg.key is None else msg.key.decode("utf-8", "replace")
        record = Record(self.short[topic], key, msg.value, h.input_headers(headers))
        at = headers[h.AT].decode()
        origin = Origin(topic, int(partition), int(offset))
        try:
            facts = facts_from_json(headers[h.FACTS]) if h.FACTS in headers else None
        except InputError as error:
            log.warning("dropping the facts of %s: %s", origin, error.reason)
            facts = None
        out = run.processor.process(record, origin, at, facts)
        self.stats.applied += 1
        self._publish(run, out, msg, headers)

    def _publish(self, run: PartitionRun, out: Output, msg: Any, headers: h.Headers) -> None:
        state = run.processor.engine.state
        published_pairs: set[tuple[str, str]] = set()
        for delta in out.deltas:
            self._send(access_topic(self.settings, delta.spoke), delta.user_id, delta.to_json())
            published_pairs.add((delta.spoke, delta.user_id))
            self.stats.deltas += 1
        for spoke_id, user_id in sorted(published_pairs):
            user = state.users.get(user_id)
            body = state_json(
                spoke_id,
                user_id,
                None if user is None else user.email,
                state.access_of(spoke_id, user_id),
                seq=state.seqs.get((spoke_id, user_id), 0),
                at=headers[h.AT].decode(),
            )
            self._send(state_topic(self.settings, spoke_id), user_id, body)
        for decision in out.audit:
            self._send(self.settings.topic("audit"), str(decision["command_id"]), decision)
        for letter in out.dead_letters:
            letter_key = letter.get("key")
            self._send(self.settings.topic("dlq"), letter_key, letter)
            self.stats.dead_letters += 1
        if out.forward is not None:
            onward = dict(headers)
            onward[h.FACTS] = facts_to_json(out.forward.facts)
            path = headers.get(h.PATH, b"").decode()
            onward[h.PATH] = (f"{path}>" if path else "").encode() + str(msg.partition).encode()
            self.topics["changes"].send_soon(
                key=msg.key,
                value=msg.value,
                partition=out.forward.partition,
                headers=list(onward.items()),
            )

    def _send(self, topic: str, key: object, body: JsonObject | None) -> None:
        value = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        raw_key = None if key is None else str(key).encode("utf-8")
        self.topics[topic].send_soon(key=raw_key, value=value)

    def _save(self, partition: int, run: PartitionRun) -> None:
        processor = run.processor
        entries = changed_entries(processor.engine, processor.changes, run.dirty_origins)
        self.table.save(partition, run.offset, entries)
        processor.changes.clear()
        run.dirty_origins.clear()
