"""The router: every input record onto the change topic, user-scoped ones by user key.

User-scoped inputs (SCIM users, identity attributes, commands) go to the partition that owns
the user key; hub and policy changes go to every partition, so each partition applies global
changes in one order relative to its users' events. A record numbered by `uam produce` names
its partitions in its link (a command also visits its actor's and source's). The input offset
is committed only after the forwards were flushed, so a crash forwards again and the
resolvers drop what they have already applied.
"""

from __future__ import annotations

import time
from typing import Any

from streams import headers as h
from streams.intake import Intake
from uam_events.chain import Link
from uam_events.errors import InputError
from uam_events.inputs import Record
from uam_events.metrics import WorkerMetrics
from uam_events.publisher import Publisher
from uam_events.routes import destinations
from uam_events.settings import Settings
from uam_events.topics import CHANGES, input_topics

BATCH_SECONDS = 0.01
"""How long a batch gathers events: little, because a batch costs no round trip to the broker
(forwards are sent in the background); under load batches grow by themselves."""

SETTLE_SECONDS = 0.5
"""How often the forwards are flushed and their inputs acked, at most: a flush waits for the
broker, so flushing once per batch spent more time waiting than forwarding
(docs/decisions/streams.md). When no input comes for `BATCH_IDLE` seconds, what is pending
is settled at once."""

BATCH_IDLE = 0.1


class Router:
    """Forward input events to the partitions of the change topic they concern."""

    def __init__(self, settings: Settings, publisher: Publisher, metrics: WorkerMetrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.publisher = publisher
        self.changes = settings.topic(CHANGES)
        self.partitions = settings.kafka.partitions
        self.short = input_topics(settings)
        self.key = settings.verification_key()
        self.forwarded = 0

    async def route(self, intake: Intake, batch: int = 2000) -> None:
        """Agent body: forward input events in batches, acking them once they are flushed."""
        pending: list[Any] = []
        settled = time.monotonic()
        async for events in intake.batches(batch, within=BATCH_SECONDS, idle=BATCH_IDLE):
            for event in events:
                self.forward(event.message)
            pending.extend(events)
            if pending and (not events or time.monotonic() - settled >= SETTLE_SECONDS):
                await self.publisher.flush()
                for event in pending:
                    intake.ack(event)
                pending.clear()
                settled = time.monotonic()

    def forward(self, msg: Any) -> None:
        """Send one input record to each partition it concerns, with its origin and time."""
        headers = h.read_headers(msg.headers)
        headers[h.ORIGIN] = f"{msg.topic}:{msg.partition}:{msg.offset}".encode()
        if h.AT not in headers:
            headers[h.AT] = h.event_time(msg.timestamp).encode()
        for partition in self._targets(msg, headers):
            self.publisher.send(
                self.changes,
                msg.key,
                msg.value,
                partition=partition,
                headers=list(headers.items()),
                timestamp_ms=int(msg.timestamp * 1000) if msg.timestamp else None,
            )
            self.forwarded += 1
        self.metrics.consumed.labels(self.short[msg.topic], "forwarded").inc()

    def _targets(self, msg: Any, headers: h.Headers) -> list[int]:
        if h.LINK in headers:
            try:
                return sorted(Link.from_header(headers[h.LINK]).prev)
            except InputError:
                del headers[h.LINK]
        key = None if msg.key is None else msg.key.decode("utf-8", "replace")
        record = Record(self.short[msg.topic], key, msg.value, h.input_headers(headers))
        return destinations(record, self.partitions, self.key, linked=False)
