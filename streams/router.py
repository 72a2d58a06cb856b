"""The router: every input record onto the change topic, user-scoped ones by user key.

User-scoped inputs (SCIM users, identity attributes, commands) go to the partition that owns
the user key; hub and policy changes go to every partition, so each partition applies global
changes in one order relative to its users' events. Records of a `uam produce` run are put
back in file order first (`Sequencer`). An input is acked only once forwarded, so a crash
forwards it again, and the resolvers drop what they have already applied.
"""

from __future__ import annotations

import time
from typing import Any

from streams import headers as h
from uam_events.broker import RUN_HEADER, SEQ_HEADER
from uam_events.errors import InputError
from uam_events.inputs import Record, decode_record
from uam_events.partition import partition_for
from uam_events.sequencer import Sequencer
from uam_events.settings import Settings
from uam_events.topics import input_topics

GLOBAL_TOPICS = frozenset({"hub.hierarchies", "policies"})


class Router:
    """Forward input events to the change topic; hold a produce run's records in order."""

    def __init__(self, settings: Settings, changes: Any, patience: float = 10.0) -> None:
        self.settings = settings
        self.changes = changes
        self.partitions = settings.kafka.partitions
        self.short = input_topics(settings)
        self.sequencer: Sequencer[Any] = Sequencer(patience)
        self.stream: Any = None
        self.forwarded = 0

    async def route(self, stream: Any) -> None:
        """Agent body: forward each input event (in run order when numbered), then ack it."""
        self.stream = stream.noack()
        async for event in self.stream.events():
            headers = h.read_headers(event.message.headers)
            run, seq = headers.get(RUN_HEADER), headers.get(SEQ_HEADER)
            if run is None or seq is None:
                await self._release([event])
                continue
            now = time.monotonic()
            ready = self.sequencer.offer(run.decode(), int(seq), event, now)
            await self._release(ready + self.sequencer.expire(now))

    async def release_gaps(self) -> None:
        """Timer body: forward what waited longer than the patience for a missing record."""
        if self.stream is not None:
            await self._release(self.sequencer.expire(time.monotonic()))

    async def _release(self, events: list[Any]) -> None:
        for event in events:
            self._forward(event)
            await self.stream.ack(event)

    def _forward(self, event: Any) -> None:
        msg = event.message
        topic = self.short[msg.topic]
        headers = h.read_headers(msg.headers)
        headers[h.ORIGIN] = f"{msg.topic}:{msg.partition}:{msg.offset}".encode()
        if h.AT not in headers:
            headers[h.AT] = h.event_time(msg.timestamp).encode()
        headers.pop(RUN_HEADER, None)
        headers.pop(SEQ_HEADER, None)
        targets = range(self.partitions) if topic in GLOBAL_TOPICS else [self._owner(topic, msg)]
        for partition in targets:
            self.changes.send_soon(
                key=msg.key, value=msg.value, partition=partition, headers=list(headers.items())
            )
            self.forwarded += 1

    def _owner(self, topic: str, msg: Any) -> int:
        if msg.key is not None:
            return partition_for(msg.key.decode("utf-8", "replace"), self.partitions)
        record = Record(topic, None, msg.value, h.input_headers(h.read_headers(msg.headers)))
        try:
            inputs = decode_record(record, self.settings.verification_key())
        except InputError:
            return 0
        user_id = getattr(inputs[0], "user_id", None) if inputs else None
        return 0 if user_id is None else partition_for(user_id, self.partitions)
