"""An agent's events in batches, read straight from its channel's queue.

Faust's conductor decodes each fetched record into an event and puts it on the queue of every
channel that subscribes to its topic. A `Stream` then hands the events out one at a time
through several coroutines and futures per event, which costs more than everything else a
worker does with an event: a no-op agent iterating `stream.noack_take` read 3,300-4,500
events/s on the 2-core machine, the same agent reading the queue directly 4,600-5,900/s
(docs/decisions/streams.md). The intake does what the stream did that matters here: it
registers the channel with the conductor, tracks each message as unacked, skips events fetched
before the current rebalance generation or while flow is suspended (they come again from the
committed offset), and acks through the message, as `Stream.ack` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

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
        self.skipped = 0

    async def batches(self, size: int, within: float) -> AsyncIterator[list[Any]]:
        """Yield batches of up to `size` events, gathered for at most `within` seconds.

        The batches end when Faust stops the agent (it throws `StopAsyncIteration` into the
        queue, which ends a stream the same way).
        """
        queue = self.queue
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            try:
                events = [await queue.get()]
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

    def ack(self, event: Any) -> None:
        """Mark an event's offset as safe to commit (as `Stream.ack` does)."""
        event.ack()

    def _current(self, events: list[Any]) -> list[Any]:
        app = self.app
        generation = app.consumer_generation_id
        flowing = app.flow_control.is_active()
        consumer = app.consumer
        kept = []
        for event in events:
            message = event.message
            if not flowing or message.generation_id != generation:
                self.skipped += 1
                continue
            if not message.tracked:
                message.tracked = True
                consumer.track_message(message)
            kept.append(event)
        return kept
