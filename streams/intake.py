"""An agent's events in batches, read straight from its channel's queue.

Faust's conductor decodes each fetched record into an event and puts it on the queue of every
channel that subscribes to its topic. A `Stream` then hands the events out one at a time
through several coroutines and futures per event, which costs more than everything else a
worker does with an event: a no-op agent iterating `stream.noack_take` read 3,300-4,500
events/s on the 2-core machine, the same agent reading the queue directly 4,600-5,900/s
(docs/decisions/streams.md). The intake does what the stream did that matters here: it
registers the channel with the conductor, tracks each message as unacked, skips events fetched
before the current rebalance generation or while flow is suspended (they come again from the
committed offset), and acks through the message, as `Stream.ack` does. It also reads a
partition again where Faust lost records: `seek` drops what was fetched before the seek until
the sought offset comes, and `recover_dropped` (a timer) seeks back a partition whose fetch
ran past what was handed out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiokafka.errors import IllegalStateError

log = logging.getLogger(__name__)

RESEEKS = 10
"""Seeks made again for one partition before the intake gives up waiting for the sought offset
(about 20 s of checks): retention may have removed it from the topic."""

GATHER_PAUSE = 0.005
"""How long a batch that is not full waits before looking at the queue again."""


class Intake:
    """Batches of one agent's events, and their acks."""

    def __init__(self, app: Any, stream: Any) -> None:
        self.app = app
        # iterating a topic clones it and registers the clone with the conductor, whose
        # queue then receives the events of the topic's partitions this worker holds
        self.channel = aiter(stream.channel)
        self.queue = self.channel.queue
        self.topics = set(stream.channel.topics)
        self.skipped = 0
        self.delivered: dict[Any, int] = {}
        """The highest offset handed out per partition since the last rebalance."""
        self._generation: int | None = None
        self._suspects: dict[Any, tuple[int, int]] = {}
        self._seeks: dict[Any, int] = {}
        """Partitions sought back, to their target offset, until a record at or before it comes."""
        self._reseeks: dict[Any, int] = {}

    async def batches(
        self, size: int, within: float, idle: float | None = None
    ) -> AsyncIterator[list[Any]]:
        """Yield batches of up to `size` events, gathered for at most `within` seconds.

        With `idle`, an empty batch comes after that many seconds without an event (the
        caller's cue to finish what it holds). The batches end when Faust stops the agent (it
        throws `StopAsyncIteration` into the queue, which ends a stream the same way).
        """
        queue = self.queue
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            try:
                if idle is None:
                    events = [await queue.get()]
                else:
                    events = [await asyncio.wait_for(queue.get(), idle)]
            except TimeoutError:
                yield []
                continue
            except StopAsyncIteration:
                return
            deadline = loop.time() + within
            while len(events) < size:
                if not queue.empty():
                    try:
                        events.append(queue.get_nowait())
                    except StopAsyncIteration:
                        stopping = True
                        break
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                await asyncio.sleep(min(remaining, GATHER_PAUSE))
            current = self._current(events)
            if current:
                yield current

    def waiting(self) -> bool:
        """Return whether events are queued for the next batch."""
        return not self.queue.empty()

    def ack(self, event: Any) -> None:
        """Mark an event's offset as safe to commit (as `Stream.ack` does)."""
        event.ack()

    def _current(self, events: list[Any]) -> list[Any]:
        app = self.app
        generation = app.consumer_generation_id
        flowing = app.flow_control.is_active()
        consumer = app.consumer
        if generation != self._generation:
            self._new_generation(generation)
        delivered, seeks = self.delivered, self._seeks
        kept = []
        for event in events:
            message = event.message
            if not flowing or message.generation_id != generation:
                self.skipped += 1
                continue
            target = seeks.get(message.tp)
            if target is not None:
                if message.offset > target:
                    self.skipped += 1  # fetched before the seek: it comes again
                    continue
                del seeks[message.tp]
            if not message.tracked:
                message.tracked = True
                consumer.track_message(message)
            tp = message.tp
            delivered[tp] = max(message.offset, delivered.get(tp, -1))
            kept.append(event)
        return kept

    async def seek(self, tp: Any, offset: int) -> None:
        """Read a partition again from `offset`; records past it already fetched are dropped."""
        if self.app.consumer_generation_id != self._generation:
            self._new_generation(self.app.consumer_generation_id)
        self._seeks[tp] = offset
        self._reseeks[tp] = 0
        await self.app.consumer.seek(tp, offset)

    def seeking(self, tp: Any) -> bool:
        """Return whether a seek of `tp` waits for its offset to come."""
        return tp in self._seeks

    def _new_generation(self, generation: int) -> None:
        # a rebalance seeks every partition to its committed offset: earlier seeks are void
        self.delivered.clear()
        self._seeks.clear()
        self._reseeks.clear()
        self._suspects.clear()
        self._generation = generation

    async def recover_dropped(self) -> list[tuple[Any, int]]:
        """Seek back partitions whose fetch ran past what was handed out; return them.

        See `_recover_dropped`; a check that a rebalance overtakes (a partition no longer
        assigned) is given up: the rebalance seeks every partition anyway.
        """
        try:
            return await self._recover_dropped()
        except IllegalStateError:
            self._suspects.clear()
            return []

    async def _recover_dropped(self) -> list[tuple[Any, int]]:
        """Seek back partitions whose fetch ran past what was handed out.

        Faust drops records it fetched for a partition it counts as inactive at that moment
        (paused for a table's recovery, or during a rebalance) without moving the fetch
        position back: they would never come, and the agents would wait for them forever
        (docs/decisions/streams.md, "The stall"). Called every few seconds: a partition
        whose position stays past the next offset to hand out (the last handed out + 1, or
        the committed offset) while nothing is queued, two checks in a row, is sought back
        there. A false alarm only delivers records again, which the agents deduplicate.
        """
        app, consumer = self.app, self.app.consumer
        if app.consumer_generation_id != self._generation:
            self._new_generation(app.consumer_generation_id)
        if app.rebalancing or not app.flow_control.is_active() or self.waiting():
            self._suspects.clear()
            return []
        for tp, offset in list(self._seeks.items()):
            # Faust's fetch loop may have been handing out an older batch when the seek came,
            # and it drops records below the last offset it handed out: seek again
            self._reseeks[tp] += 1
            if self._reseeks[tp] > RESEEKS:
                log.error(
                    "%s: offset %d never came after %d seeks (removed by retention?): "
                    "going on from what the topic still holds",
                    tp,
                    offset,
                    RESEEKS,
                )
                del self._seeks[tp]
                continue
            await consumer.seek(tp, offset)
        committed: dict[Any, int | None] = getattr(consumer, "_committed_offset", {})
        found: dict[Any, tuple[int, int]] = {}
        for tp in consumer.assignment():
            if tp.topic not in self.topics:
                continue
            if tp in self._seeks:
                continue
            last = self.delivered.get(tp)
            expected = last + 1 if last is not None else committed.get(tp)
            position = await consumer.position(tp)
            if expected is not None and position is not None and position > expected:
                found[tp] = (expected, position)
        sought = [(tp, seen[0]) for tp, seen in found.items() if self._suspects.get(tp) == seen]
        for tp, offset in sought:
            await self.seek(tp, offset)
            found.pop(tp)
        self._suspects = found
        return sought
