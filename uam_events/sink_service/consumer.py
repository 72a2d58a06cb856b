"""The sink's Kafka side: every partition of `uam.access.<spoke>`, assigned, committed by hand.

Invariants: the sink reads every partition of every configured spoke's delta topic itself
(`assign`, no group rebalancing: one sink process per consumer group `<prefix>sink`), from the
group's committed offsets, else from the start; it commits a partition's offset only for
records the caller has folded and stored (`commit`), so a crash replays at most what was not
stored, and folding is idempotent by seq. `caught_up` tells when every partition has been read
to the end it had at start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from pydantic import TypeAdapter, ValidationError

from uam_events.broker import client_config
from uam_events.contract.outputs import Delta
from uam_events.errors import BrokerError
from uam_events.settings import Settings
from uam_events.sink.coalescing import WireDelta
from uam_events.topics import access_topic

log = logging.getLogger(__name__)

DELTA: TypeAdapter[WireDelta] = TypeAdapter(Delta)
Position = tuple[str, int]
"""A partition: (topic, partition)."""


@dataclass(frozen=True, slots=True)
class Received:
    """A record of a spoke's delta topic: where it was, and its delta (None: unreadable)."""

    spoke: str
    where: Position
    offset: int
    delta: WireDelta | None
    key: bytes | None = None
    value: bytes | None = None
    error: str | None = None
    """Why an unreadable record is no delta (it goes to the dead-letter topic)."""


class DeltaConsumer:
    """A confluent-kafka consumer over the spokes' delta topics, with manual commits."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        self.group = settings.topic("sink")
        self.timeout = timeout
        self.spokes = {access_topic(settings, s.id): s.id for s in settings.spokes}
        self._consumer = Consumer(
            {
                **client_config(settings),
                "group.id": self.group,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
            }
        )
        self._next: dict[Position, int] = {}
        self._ends: dict[Position, int] = {}
        self._partitions: dict[str, list[TopicPartition]] = {}

    def assign(self) -> None:
        """Assign every partition of the spokes' topics at the group's committed offsets."""
        try:
            metadata = self._consumer.list_topics(timeout=self.timeout)
            wanted: list[TopicPartition] = []
            for topic, spoke in self.spokes.items():
                if topic not in metadata.topics or metadata.topics[topic].error is not None:
                    raise BrokerError(
                        f"topic {topic} does not exist; fix: run `uam topics create --config ...`"
                    )
                parts = [
                    TopicPartition(topic, p) for p in sorted(metadata.topics[topic].partitions)
                ]
                self._partitions[spoke] = parts
                wanted += parts
            committed = self._consumer.committed(wanted, timeout=self.timeout)
            for tp in committed:
                low, high = self._consumer.get_watermark_offsets(tp, timeout=self.timeout)
                self._next[(tp.topic, tp.partition)] = tp.offset if tp.offset >= 0 else low
                self._ends[(tp.topic, tp.partition)] = high
        except KafkaException as error:
            raise BrokerError(f"the sink cannot read its topics: {_why(error)}") from None
        self._consumer.assign(
            [TopicPartition(t, p, offset) for (t, p), offset in sorted(self._next.items())]
        )
        behind = sum(max(self._ends[k] - self._next[k], 0) for k in self._next)
        log.info(
            "sink group %s assigned %d partitions, %d deltas behind",
            self.group,
            len(self._next),
            behind,
        )

    def poll(self, limit: int, timeout: float) -> list[Received]:
        """Return up to `limit` records (waiting up to `timeout` s for the first)."""
        received: list[Received] = []
        for message in self._consumer.consume(limit, timeout):
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise BrokerError(f"the sink's consumer failed: {error.str()}")
                log.warning("sink consumer: %s", error.str())
                continue
            received.append(self._received(message))
        return received

    def _received(self, message: Message) -> Received:
        """Decode one record and note the position after it."""
        topic, partition, offset = str(message.topic()), int(message.partition() or 0), 0
        offset = int(message.offset() or 0)
        where = (topic, partition)
        self._next[where] = max(self._next.get(where, 0), offset + 1)
        delta: WireDelta | None = None
        value = message.value()
        error: str | None = None
        try:
            delta = None if value is None else DELTA.validate_json(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "value"
            error = f"{field}: {first['msg']}; fix: publish deltas as the workers write them"
        if value is None:
            error = "value: null; fix: publish a delta, not a tombstone, on the delta topic"
        spoke = self.spokes[topic]
        if delta is not None and delta.spoke != spoke:
            error = f"spoke: {delta.spoke!r} on the topic of {spoke!r}; fix: publish it there"
            delta = None
        if error is not None:
            log.warning("%s[%d]@%d is no delta: %s", topic, partition, offset, error)
        return Received(spoke, where, offset, delta, message.key(), value, error)

    def caught_up(self) -> bool:
        """Tell whether every partition was read to the end it had when assigned."""
        return all(self._next.get(k, 0) >= end for k, end in self._ends.items())

    def pause(self, spoke: str) -> None:
        """Stop fetching a spoke's deltas (its run is in flight)."""
        self._consumer.pause(self._partitions[spoke])

    def resume(self, spoke: str) -> None:
        """Fetch a spoke's deltas again."""
        self._consumer.resume(self._partitions[spoke])

    def commit(self, received: Iterable[Received]) -> None:
        """Commit the offsets after these records, which the caller has stored."""
        after: dict[Position, int] = {}
        for record in received:
            after[record.where] = max(after.get(record.where, 0), record.offset + 1)
        self.commit_offsets(after)

    def commit_offsets(self, after: Mapping[Position, int]) -> None:
        """Commit offsets synchronously; raise BrokerError when the broker refuses."""
        if not after:
            return
        offsets = [TopicPartition(t, p, o) for (t, p), o in sorted(after.items())]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as error:
            raise BrokerError(f"the sink cannot commit its offsets: {_why(error)}") from None

    def close(self) -> None:
        """Leave the broker (nothing is committed here)."""
        self._consumer.close()


def _why(error: KafkaException) -> str:
    """Return the broker's reason for a failure."""
    inner = error.args[0]
    return str(inner.str()) if isinstance(inner, KafkaError) else str(inner)
