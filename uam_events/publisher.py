"""The workers' outputs to Kafka through librdkafka (confluent-kafka): deltas, state, audit.

Why not Faust's own producer: it runs the Java-compatible murmur2 partitioner and the batch
bookkeeping in Python for every record, which cost more than the core itself per event
(docs/decisions/streams.md). librdkafka does both in C. Keys are partitioned with
`murmur2_random`, the Java clients' partitioner, so a user's records land on the partition any
Kafka client would choose (compacted state topics depend on that).

Invariant: `flush` returns only when every record sent before it is acknowledged by the
broker, and raises `BrokerError` when any was refused; the workers save their checkpoint and
commit their input only after it returned.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from confluent_kafka import KafkaError, Message, Producer

from uam_events.broker import client_config
from uam_events.errors import BrokerError
from uam_events.settings import Settings

log = logging.getLogger(__name__)

Headers = list[tuple[str, bytes]]
Delivered = Callable[[int, int], None]
"""Told a delivered record's partition and offset."""
UNASSIGNED = -1
"""librdkafka's "let the partitioner choose" partition."""


class Publisher:
    """Send records without waiting; `flush` waits for all of them and reports refusals."""

    def __init__(self, settings: Settings) -> None:
        config = {
            **client_config(settings),
            "enable.idempotence": True,
            "linger.ms": 5,
            "partitioner": "murmur2_random",
            "queue.buffering.max.messages": 500_000,
        }
        self._producer = Producer(config)
        self._refused: list[str] = []
        self.sent = 0

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        *,
        partition: int | None = None,
        headers: Headers | None = None,
        timestamp_ms: int | None = None,
        delivered: Delivered | None = None,
    ) -> None:
        """Queue one record; when the local queue is full, serve deliveries and try again.

        `delivered(partition, offset)` is called once the broker has the record.
        """
        report = self._delivered if delivered is None else self._reporting(delivered)
        while True:
            try:
                self._producer.produce(
                    topic,
                    value,
                    key,
                    partition=UNASSIGNED if partition is None else partition,
                    on_delivery=report,
                    timestamp=timestamp_ms or 0,
                    headers=list(headers) if headers else None,
                )
            except BufferError:
                self._producer.poll(0.05)
                continue
            break
        self.sent += 1

    def _delivered(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            self._refused.append(f"{message.topic()}: {error.str()}")

    def _reporting(self, delivered: Delivered) -> Callable[[KafkaError | None, Message], None]:
        def report(error: KafkaError | None, message: Message) -> None:
            self._delivered(error, message)
            if error is None:
                delivered(int(message.partition() or 0), int(message.offset() or 0))

        return report

    async def flush(self) -> None:
        """Wait until the broker acknowledged every record sent; raise if it refused any."""
        remaining = await asyncio.get_running_loop().run_in_executor(
            None, self._producer.flush, 30.0
        )
        if remaining:
            raise BrokerError(
                f"{remaining} records not acknowledged by the broker within 30 s: "
                "check that the broker is up (make broker-status)"
            )
        if self._refused:
            refused, self._refused = self._refused, []
            raise BrokerError(
                f"the broker refused {len(refused)} records, first {refused[0]}: "
                "check the topics exist (uam topics create)"
            )

    def serve(self) -> None:
        """Serve delivery reports without blocking (call between batches)."""
        self._producer.poll(0)
