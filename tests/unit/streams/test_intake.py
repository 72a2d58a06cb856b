"""The intake: batches read straight from a channel's queue, stale events skipped, acks."""

from __future__ import annotations

import asyncio
from collections import namedtuple
from dataclasses import dataclass, field
from typing import Any

from mode.utils.queues import FlowControlEvent, ThrowableQueue

from streams.intake import RESEEKS, Intake

TP = namedtuple("TP", "topic partition")
PART = TP("t", 0)


@dataclass
class Message:
    """Stands in for a Faust consumer message: its generation and whether it is tracked."""

    offset: int
    generation_id: int = 1
    tracked: bool = False
    tp: TP = PART


@dataclass
class Event:
    """Stands in for a Faust event: its message and whether it was acked."""

    message: Message
    acked: bool = False

    def ack(self) -> bool:
        """Record the ack."""
        self.acked = True
        return True


@dataclass
class Consumer:
    """Records tracked messages and seeks; answers positions and committed offsets."""

    tracked: list[int] = field(default_factory=list)
    positions: dict[TP, int] = field(default_factory=dict)
    sought: list[tuple[TP, int]] = field(default_factory=list)
    _committed_offset: dict[TP, int | None] = field(default_factory=dict)

    def track_message(self, message: Message) -> None:
        """Record a tracked message's offset."""
        self.tracked.append(message.offset)

    def assignment(self) -> set[TP]:
        """Return the partitions whose positions are known."""
        return set(self.positions)

    async def position(self, tp: TP) -> int:
        """Return the fetch position of a partition."""
        return self.positions[tp]

    async def seek(self, tp: TP, offset: int) -> None:
        """Record a seek and move the position."""
        self.sought.append((tp, offset))
        self.positions[tp] = offset


@dataclass
class App:
    """The parts of a Faust app the intake reads."""

    flow_control: FlowControlEvent
    consumer: Consumer = field(default_factory=Consumer)
    consumer_generation_id: int = 1
    rebalancing: bool = False


class Channel:
    """A registered channel: iterating it returns itself; its queue is Faust's kind."""

    topics = ("t",)

    def __init__(self, flow: FlowControlEvent) -> None:
        self.queue: ThrowableQueue[Any] = ThrowableQueue(maxsize=100, flow_control=flow)

    def __aiter__(self) -> Channel:
        return self

    async def __anext__(self) -> Any:
        return await self.queue.get()


@dataclass
class Stream:
    """An agent's stream: only its channel is read."""

    channel: Channel


def make_intake() -> tuple[Intake, App, Channel]:
    """Return an intake over a fresh channel, its app and the channel."""
    flow = FlowControlEvent()
    flow.resume()
    app = App(flow)
    channel = Channel(flow)
    return Intake(app, Stream(channel)), app, channel


async def take(intake: Intake, size: int, within: float, batches: int) -> list[list[int]]:
    """Return the offsets of the first `batches` batches."""
    taken: list[list[int]] = []
    async for events in intake.batches(size, within):
        taken.append([event.message.offset for event in events])
        if len(taken) == batches:
            break
    return taken


def test_a_batch_takes_what_is_queued_up_to_its_size() -> None:
    """Queued events come in batches of at most the size, in queue order."""
    intake, _, channel = make_intake()
    for offset in range(5):
        channel.queue.put_nowait(Event(Message(offset)))
    assert asyncio.run(take(intake, 2, 0.01, 3)) == [[0, 1], [2, 3], [4]]


def test_a_batch_waits_for_events_until_its_time_is_up() -> None:
    """An event put while the batch gathers joins it."""
    intake, _, channel = make_intake()

    async def scenario() -> list[list[int]]:
        channel.queue.put_nowait(Event(Message(0)))
        loop = asyncio.get_running_loop()
        loop.call_later(0.01, channel.queue.put_nowait, Event(Message(1)))
        return await take(intake, 10, 0.2, 1)

    assert asyncio.run(scenario()) == [[0, 1]]


def test_events_of_an_earlier_generation_are_skipped_and_not_tracked() -> None:
    """Events fetched before the current rebalance are dropped; they come again after it."""
    intake, app, channel = make_intake()
    app.consumer_generation_id = 2
    channel.queue.put_nowait(Event(Message(0, generation_id=1)))
    channel.queue.put_nowait(Event(Message(1, generation_id=2)))
    assert asyncio.run(take(intake, 10, 0.01, 1)) == [[1]]
    assert app.consumer.tracked == [1]
    assert intake.skipped == 1


def test_events_are_skipped_while_flow_is_suspended() -> None:
    """During a rebalance (flow suspended) no event is handed out."""
    intake, app, channel = make_intake()

    async def scenario() -> list[list[int]]:
        app.flow_control.suspend()
        channel.queue.put_nowait(Event(Message(0)))
        first = asyncio.ensure_future(take(intake, 10, 0.01, 1))
        await asyncio.sleep(0.05)
        app.flow_control.resume()
        channel.queue.put_nowait(Event(Message(1)))
        return await first

    assert asyncio.run(scenario()) == [[1]]


def test_stopping_the_agent_ends_the_batches() -> None:
    """Faust's StopAsyncIteration ends the iteration at once (queued events are not acked)."""
    intake, _, channel = make_intake()

    async def scenario() -> list[list[int]]:
        channel.queue.put_nowait(Event(Message(0)))
        await channel.queue.throw(StopAsyncIteration())
        return await take(intake, 10, 0.01, 5)

    assert asyncio.run(scenario()) == []


def test_ack_acks_the_event() -> None:
    """Acking goes through the event, as Stream.ack does."""
    intake, _, _ = make_intake()
    event = Event(Message(0))
    intake.ack(event)
    assert event.acked


def test_after_a_seek_records_past_its_offset_are_dropped_until_it_comes() -> None:
    """Records fetched before a seek are dropped; from the sought offset on all come again."""
    intake, app, channel = make_intake()

    async def scenario() -> list[list[int]]:
        await intake.seek(PART, 5)
        for offset in (8, 9, 5, 6):
            channel.queue.put_nowait(Event(Message(offset)))
        return await take(intake, 10, 0.01, 1)

    assert asyncio.run(scenario()) == [[5, 6]]
    assert app.consumer.sought == [(PART, 5)]


def test_a_partition_whose_fetch_ran_past_the_deliveries_is_sought_back() -> None:
    """Position past the last delivery + 1 on two checks in a row: seek back there."""
    intake, app, channel = make_intake()

    async def scenario() -> list[list[tuple[TP, int]]]:
        channel.queue.put_nowait(Event(Message(3)))
        await take(intake, 10, 0.01, 1)
        app.consumer.positions[PART] = 9  # records 4-8 fetched and never handed out
        return [await intake.recover_dropped(), await intake.recover_dropped()]

    assert asyncio.run(scenario()) == [[], [(PART, 4)]]
    assert app.consumer.positions[PART] == 4


def test_a_partition_that_delivered_everything_is_left_alone() -> None:
    """Position right after the last delivery (or at the committed offset): no seek."""
    intake, app, channel = make_intake()
    other = TP("t", 1)
    app.consumer._committed_offset[other] = 7
    app.consumer.positions |= {PART: 4, other: 7}

    async def scenario() -> list[list[tuple[TP, int]]]:
        channel.queue.put_nowait(Event(Message(3)))
        await take(intake, 10, 0.01, 1)
        return [await intake.recover_dropped(), await intake.recover_dropped()]

    assert asyncio.run(scenario()) == [[], []]
    assert app.consumer.sought == []


def test_a_seek_whose_offset_never_comes_is_given_up() -> None:
    """After RESEEKS unanswered seeks (retention removed the records) the intake lets go."""
    intake, app, _ = make_intake()
    app.consumer.positions[PART] = 20

    async def scenario() -> list[bool]:
        await intake.seek(PART, 5)
        states = []
        for _ in range(RESEEKS + 1):
            await intake.recover_dropped()
            states.append(intake.seeking(PART))
        return states

    states = asyncio.run(scenario())
    assert states[:RESEEKS] == [True] * RESEEKS
    assert states[RESEEKS] is False
    assert len(app.consumer.sought) == RESEEKS + 1
